package meros.shell;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import jdk.jshell.JShell;
import jdk.jshell.execution.LoaderDelegate;
import jdk.jshell.execution.LocalExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControl.ClassBytecodes;
import jdk.jshell.spi.ExecutionControl.ClassInstallException;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-process JShell execution whose snippet classes see the host's classes: the stock local provider parents
 * its loader on the system loader, which is wrong under any other loader (test runners, {@code exec:java}) and
 * makes host classes load twice. Here snippet bytecode is defined in a {@link URLClassLoader} whose parent is the
 * host's loader.
 */
final class HostExecution implements ExecutionControlProvider {
    private final ClassLoader parent;

    /**
     * A JShell whose snippets run in this JVM over {@code host}'s classes, compiled against the host's class path (as
     * {@link CompileClassPath} keeps it under {@code cache}).
     * Built here, not in {@link JShellEvaluator}: passing a {@code HostExecution} where an {@link ExecutionControlProvider}
     * is expected makes the verifier load JShell's classes when it links the calling class, and the evaluator is linked
     * before the prompt, which must not wait for JShell (PromptPathTest).
     */
    static JShell newJShell(ClassLoader host, Path cache) {
        return JShell.builder()
                .executionEngine(new HostExecution(host), Map.of())
                .compilerOptions("--class-path", CompileClassPath.of(classPath(host), cache))
                .build();
    }

    HostExecution(ClassLoader parent) {
        this.parent = parent;
    }

    @Override
    public String name() {
        return "meros-host";
    }

    @Override
    public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
        return new Control(new Delegate(parent));
    }

    /**
     * {@link LocalExecutionControl} with one change: JDK 17's {@code invoke} joins <em>every</em> live thread of its
     * execution thread group, so once a snippet has started a long-lived thread (an HTTP server, a timer) every
     * later snippet hangs forever. Here each snippet runs on its own thread and only that thread is joined;
     * threads a snippet starts keep running in the background. {@link #stop()} stops the running snippet thread
     * (Ctrl-C), as the stock control does with its thread group.
     */
    static final class Control extends LocalExecutionControl {
        private volatile Thread snippet;

        Control(LoaderDelegate delegate) {
            super(delegate);
        }

        @Override
        protected String invoke(Method doitMethod) throws Exception {
            Object[] result = new Object[1];
            Throwable[] thrown = new Throwable[1];
            boolean[] stopped = new boolean[1];
            Thread t = new Thread(() -> {
                try {
                    result[0] = doitMethod.invoke(null);
                } catch (InvocationTargetException e) {
                    if (e.getCause() instanceof ThreadDeath) stopped[0] = true;
                    else thrown[0] = e;
                } catch (ThreadDeath e) {
                    stopped[0] = true;
                } catch (Throwable e) {
                    thrown[0] = e;
                }
            }, "meros-snippet");
            t.setDaemon(true); // so do the threads it starts: they never keep the JVM alive after 'exit'
            t.setContextClassLoader(Thread.currentThread().getContextClassLoader());
            snippet = t;
            try {
                t.start();
                t.join();
            } finally {
                snippet = null;
            }
            if (stopped[0]) throw new StoppedException();
            if (thrown[0] instanceof Exception e) throw e;
            if (thrown[0] instanceof Error e) throw e;
            return valueString(result[0]);
        }

        @Override
        @SuppressWarnings({"deprecation", "removal"})
        public void stop() {
            Thread t = snippet;
            if (t != null) t.stop();
        }
    }

    /** The host's class path as the compiler needs it: the loader chain's URLs plus {@code java.class.path}. */
    static String classPath(ClassLoader loader) {
        Set<String> entries = new LinkedHashSet<>();
        for (ClassLoader l = loader; l != null; l = l.getParent()) {
            if (l instanceof URLClassLoader u) {
                for (URL url : u.getURLs()) {
                    if ("file".equals(url.getProtocol())) {
                        try {
                            entries.add(new File(url.toURI()).getPath());
                        } catch (Exception e) {
                            entries.add(url.getPath());
                        }
                    }
                }
            }
        }
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!e.isBlank()) entries.add(e);
        }
        return String.join(File.pathSeparator, entries);
    }

    private static final class Delegate implements LoaderDelegate {
        private final SnippetLoader loader;
        private final Map<String, Class<?>> classes = new ConcurrentHashMap<>();

        Delegate(ClassLoader parent) {
            this.loader = new SnippetLoader(parent);
        }

        @Override
        public void load(ClassBytecodes[] cbcs) throws ClassInstallException {
            boolean[] loaded = new boolean[cbcs.length];
            try {
                for (ClassBytecodes c : cbcs) loader.declare(c.name(), SnippetExit.rewrite(c.bytecodes()));
                for (int i = 0; i < cbcs.length; i++) {
                    Class<?> k = loader.loadClass(cbcs[i].name());
                    loaded[i] = true;
                    classes.put(cbcs[i].name(), k);
                    k.getDeclaredMethods(); // link now, so a bad class fails here and not at first use
                }
            } catch (Throwable t) {
                throw new ClassInstallException("load: " + t.getMessage(), loaded);
            }
        }

        @Override
        public void classesRedefined(ClassBytecodes[] cbcs) {
            for (ClassBytecodes c : cbcs) loader.declare(c.name(), SnippetExit.rewrite(c.bytecodes()));
        }

        @Override
        public void addToClasspath(String path) {
            for (String p : path.split(File.pathSeparator)) {
                try {
                    loader.add(new File(p).toURI().toURL());
                } catch (MalformedURLException e) {
                    throw new IllegalArgumentException("bad class path entry " + p, e);
                }
            }
        }

        @Override
        public Class<?> findClass(String name) throws ClassNotFoundException {
            Class<?> k = classes.get(name);
            if (k == null) throw new ClassNotFoundException(name + " not found");
            return k;
        }
    }

    private static final class SnippetLoader extends URLClassLoader {
        private final Map<String, byte[]> declared = new ConcurrentHashMap<>();

        /**
         * Snippet classes (JShell puts them in package {@code REPL}) run with assertions enabled, whatever the JVM's
         * {@code -ea}: a script's {@code assert} is a check, as in the NixOS test driver.
         */
        SnippetLoader(ClassLoader parent) {
            super("meros-snippets", new URL[0], parent);
            setPackageAssertionStatus("REPL", true);
        }

        void declare(String name, byte[] bytes) {
            declared.put(name, bytes);
        }

        void add(URL url) {
            addURL(url);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] b = declared.get(name);
            if (b != null) return defineClass(name, b, 0, b.length);
            return super.findClass(name);
        }
    }
}
