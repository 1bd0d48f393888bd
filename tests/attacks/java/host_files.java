// SPDX-License-Identifier: MIT
// attack: the host's files through /proc/1/root, and overwriting the JDK
// expect: OK
// expect-default: OK
// host: image
import java.io.*;
import java.nio.file.*;
import java.util.*;

public class Main {
    public static void main(String[] args) throws Exception {
        Map<String, String> p = Attack.params();
        String secret = p.get("secret_path");
        for (String path : new String[] { "/proc/1/root" + secret, "/proc/self/root/../.." + secret, secret }) {
            try {
                System.out.println("read " + path + ": " + Files.readString(Path.of(path)));
            } catch (IOException e) {
                Attack.verdict(true, "read " + path, e.toString());
            }
        }
        String dir = new File(p.get("canary_path")).getParent();
        String home = System.getProperty("java.home");
        for (String path : new String[] { "/proc/1/root" + dir + "/pwned", "/proc/1/root" + p.get("canary_path"),
                                          home + "/lib/modules", home + "/bin/java", home + "/conf/security/java.security" }) {
            try (OutputStream o = new FileOutputStream(path, true)) {
                Attack.verdict(false, "open " + path + " for writing", "");
            } catch (IOException e) {
                Attack.verdict(true, "open " + path + " for writing", e.toString());
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
