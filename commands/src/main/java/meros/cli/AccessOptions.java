package meros.cli;

import meros.core.Machine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What connect, run, push and pull share: the constellation, the VM and the login user. */
final class AccessOptions {
    @Parameters(index = "0", paramLabel = "CONSTELLATION", description = "The constellation.")
    String constellation;

    @Parameters(index = "1", paramLabel = "VM", description = "The VM in it.")
    String vm;

    @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "Log in as USER (default: the VM's user; root works too).")
    String user;

    Machine machine(MerosCommand root) { return root.meros().constellation(constellation).vm(vm); }
}
