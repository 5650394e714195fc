/*
 * client-ca-list: the memory of the list of CA names nginx keeps per server for `ssl_client_certificate`.
 *
 * ngx_ssl_client_certificate() loads the bundle into the SSL_CTX's store (SSL_CTX_load_verify_locations,
 * measured by ../shared/tools/ctxbench.c) and reads it a second time with SSL_load_client_CA_file() for the
 * names sent in the CertificateRequest; nginx keeps that list for the life of the configuration. This
 * probe keeps N such lists alive and prints the RSS growth per list.
 *
 *   gcc -O2 client-ca-list.c -o client-ca-list -lssl -lcrypto
 *   ./client-ca-list 1000 /etc/ssl/certs/ca-certificates.crt
 *
 * Measured here (Debian 12, OpenSSL 3.0.19, Debian bundle 219,597 B / 144 certificates), columns
 * N, RSS growth KiB, bytes per list:  100 11948 122348 · 500 59292 121430 · 1000 118472 121315
 * → ≈ 842 B per certificate (server/src/cost/estimate.ts MEASURED.clientCaNamePerCertificate).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/ssl.h>

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    if (f == NULL) return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            v = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s N BUNDLE\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]);
    const char *bundle = argv[2];
    OPENSSL_init_ssl(0, NULL);
    /* One list first, so library initialisation is not counted. */
    if (SSL_load_client_CA_file(bundle) == NULL) {
        fprintf(stderr, "cannot read %s\n", bundle);
        return 1;
    }
    long before = rss_kb();
    for (int i = 0; i < n; i++) {
        if (SSL_load_client_CA_file(bundle) == NULL) return 1; /* kept on purpose, as nginx keeps them */
    }
    long after = rss_kb();
    printf("%d\t%ld\t%.0f\n", n, after - before, (after - before) * 1024.0 / n);
    return 0;
}
