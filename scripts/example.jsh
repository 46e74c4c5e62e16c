// An example meros script: command lines and Java, run with
//   ./meros scripts/example.jsh        (or: ./meros script scripts/example.jsh, or `script scripts/example.jsh` in meros>)
// Each line is echoed after "meros> "; the script stops at the first failing line with FILE:LINE and exit 1.

// commands: the same as typed at the meros> prompt
list
show demo

// Java: `meros` is the same core object the commands use
var names = meros.list()
System.out.println("constellations: " + names)

// multi-line snippets continue until they are complete
for (String c : names) {
    var m = meros.load(c);
    System.out.println(c + ": " + m.vmNames().size() + " VM(s) " + m.vmNames());
}

// live handles: the one the commands would get
var demo = meros.constellation("demo")
demo.vms()
