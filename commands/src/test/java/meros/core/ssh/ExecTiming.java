package meros.core.ssh;

import java.time.Duration;
import net.schmizz.sshj.connection.channel.direct.Session;

/** Scratch timing: java -cp ... meros.core.ssh.ExecTiming */
public class ExecTiming {
    public static void main(String[] a) throws Exception {
        try (LoopbackSshd d = LoopbackSshd.start(); SshAccess s = new SshAccess(d.target())) {
            s.exec("true", Duration.ofSeconds(10));
            var c = s.client();
            for (int i = 0; i < 8; i++) {
                long t0 = System.nanoTime();
                Session ses = c.startSession();
                long t1 = System.nanoTime();
                Session.Command cmd = ses.exec("true");
                long t2 = System.nanoTime();
                cmd.getOutputStream().close();
                cmd.getInputStream().readAllBytes();
                long t3 = System.nanoTime();
                cmd.join();
                long t4 = System.nanoTime();
                ses.close();
                long t5 = System.nanoTime();
                System.out.printf("open %.1f exec %.1f eof %.1f join %.1f close %.1f%n", (t1-t0)/1e6,(t2-t1)/1e6,(t3-t2)/1e6,(t4-t3)/1e6,(t5-t4)/1e6);
            }
        }
    }
}
