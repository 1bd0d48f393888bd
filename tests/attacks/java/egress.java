// SPDX-License-Identifier: MIT
// attack: connect to the host's loopback listener, over IPv4 and IPv6
// expect: SECCOMP_VIOLATION
// expect-default: OK
// host: listener
import java.io.*;
import java.net.*;
import java.util.*;

public class Main {
    public static void main(String[] args) throws Exception {
        Map<String, String> p = Attack.params();
        int port = Integer.parseInt(p.get("port"));
        System.out.println("trying: sockets (the java profile lets the JVM open one, not use it)");
        for (String host : new String[] { "127.0.0.1", "::1", "169.254.169.254" }) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 2000);
                Attack.verdict(false, "connect to " + host, "");
            } catch (IOException e) {
                Attack.verdict(true, "connect to " + host, e.toString());
            }
        }
        System.out.println("attack over");
    }
}

class Attack {
    static Map<String, String> params() throws IOException {
        Map<String, String> m = new HashMap<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(System.in));
        for (String l; (l = r.readLine()) != null;)
            if (l.contains("="))
                m.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1));
        return m;
    }

    static void verdict(boolean failed, String what, String err) {
        System.out.println(failed ? "HELD: " + what + " (" + err + ")" : "BROKEN: " + what);
    }
}
