/* SPDX-License-Identifier: MIT
 * attack: read host files: a world-readable secret, the host's home, store and work directories
 * expect: OK
 * expect-default: OK
 */
int main(void)
{
        static const char *const host_only[] = {
                "/root/.bash_history", "/work", "/var/cache/coderunner", "/var/tmp/coderunner-test-images",
                "/etc/coderunner", "/run/systemd", "/home", "/var/log/syslog", "/proc/1/root/root",
        };
        struct stat st;
        verdict(open(param("secret_path"), O_RDONLY) < 0, "open the host's world-readable secret");
        for (size_t i = 0; i < sizeof(host_only) / sizeof(*host_only); i++) {
                char what[128];
                snprintf(what, sizeof(what), "see the host's %s", host_only[i]);
                verdict(stat(host_only[i], &st) < 0 || (S_ISDIR(st.st_mode) && st.st_nlink <= 2), what);
        }
        return over();
}
