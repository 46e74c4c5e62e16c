package meros.shell;

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

    HostExecution(ClassLoader parent) {
        this.parent = parent;
    }

    @Override
    public String name() {
        return "meros-host";
    }

    @Override
    public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
        return new LocalExecutionControl(new Delegate(parent));
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

        SnippetLoader(ClassLoader parent) {
            super("meros-snippets", new URL[0], parent);
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
