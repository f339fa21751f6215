/*
 * net-snmp's own library as a benchmark peer, in process, with a warm session.
 *
 * Why a C program and not the snmpget/snmpbulkwalk commands: a command pays its process
 * start-up (about 4 ms, more than a whole walk) on every call, while monitord works in
 * process on an open socket. This program opens its sessions once and then answers
 * commands read from stdin, one line each, timing only the SNMP work itself:
 *
 *   walk REPS OID        one GETBULK walk of OID's subtree (max-repetitions REPS)
 *                        -> "SECONDS OBJECTS"
 *   get N CONC OID       N GETs of OID, CONC outstanding at once (CONC sessions, net-snmp's
 *                        asynchronous API: snmp_async_send + select + snmp_read)
 *                        -> "SECONDS ANSWERED"
 *   quit
 *
 * Built by the benchmarks with: cc -O2 -o PEER netsnmp_peer.c -lnetsnmp
 * (Debian's libsnmp-dev; see .ci/debian-packages.txt). Loopback only: the agent address is
 * the first argument, "udp:127.0.0.1:PORT".
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CONC 256

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static size_t parse_oid(const char *text, oid *out, size_t max) {
    size_t n = 0;
    const char *p = text;
    if (*p == '.') p++;
    while (*p && n < max) {
        out[n++] = strtoul(p, (char **)&p, 10);
        if (*p == '.') p++;
        else break;
    }
    return n;
}

static netsnmp_session *open_session(const char *peer) {
    netsnmp_session s;
    snmp_sess_init(&s);
    s.peername = (char *)peer;
    s.version = SNMP_VERSION_2c;
    s.community = (u_char *)"public";
    s.community_len = 6;
    s.timeout = 2000000;
    s.retries = 1;
    netsnmp_session *opened = snmp_open(&s);
    if (!opened) {
        snmp_perror("snmp_open");
        exit(1);
    }
    return opened;
}

static void walk(netsnmp_session *ss, long reps, const char *text) {
    oid root[MAX_OID_LEN], cur[MAX_OID_LEN];
    size_t rootlen = parse_oid(text, root, MAX_OID_LEN), curlen = rootlen;
    memcpy(cur, root, rootlen * sizeof(oid));
    long objects = 0;
    int running = 1;
    double began = now();
    while (running) {
        netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GETBULK), *response = NULL;
        pdu->non_repeaters = 0;
        pdu->max_repetitions = reps;
        snmp_add_null_var(pdu, cur, curlen);
        int status = snmp_synch_response(ss, pdu, &response);
        if (status != STAT_SUCCESS || response->errstat != SNMP_ERR_NOERROR) {
            fprintf(stderr, "walk failed (status %d)\n", status);
            exit(1);
        }
        for (netsnmp_variable_list *v = response->variables; v; v = v->next_variable) {
            if (v->name_length < rootlen || memcmp(root, v->name, rootlen * sizeof(oid)) != 0 ||
                v->type == SNMP_ENDOFMIBVIEW || v->type == SNMP_NOSUCHOBJECT ||
                v->type == SNMP_NOSUCHINSTANCE) {
                running = 0;
                break;
            }
            objects++;
            memcpy(cur, v->name, v->name_length * sizeof(oid));
            curlen = v->name_length;
        }
        snmp_free_pdu(response);
    }
    printf("%.9f %ld\n", now() - began, objects);
    fflush(stdout);
}

static long sent, answered, finished, wanted;
static oid get_oid[MAX_OID_LEN];
static size_t get_len;

static void send_get(netsnmp_session *ss);

static int on_response(int op, netsnmp_session *ss, int reqid, netsnmp_pdu *pdu, void *magic) {
    (void)reqid; (void)magic;
    finished++;
    if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu->errstat == SNMP_ERR_NOERROR) answered++;
    if (sent < wanted) send_get(ss);
    return 1;
}

static void send_get(netsnmp_session *ss) {
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET);
    snmp_add_null_var(pdu, get_oid, get_len);
    if (!snmp_async_send(ss, pdu, on_response, NULL)) {
        snmp_free_pdu(pdu);
        fprintf(stderr, "send failed\n");
        exit(1);
    }
    sent++;
}

static void gets(netsnmp_session **sessions, long n, int conc, const char *text) {
    get_len = parse_oid(text, get_oid, MAX_OID_LEN);
    sent = answered = finished = 0;
    wanted = n;
    double began = now();
    for (int i = 0; i < conc && sent < wanted; i++) send_get(sessions[i]);
    double deadline = began + 120.0;  /* bounded: never loop forever on a lost agent */
    while (finished < wanted && now() < deadline) {
        int fds = 0, block = 1;
        fd_set readers;
        struct timeval timeout;
        FD_ZERO(&readers);
        snmp_select_info(&fds, &readers, &timeout, &block);
        int ready = select(fds, &readers, NULL, NULL, block ? NULL : &timeout);
        if (ready > 0) snmp_read(&readers);
        else if (ready == 0) snmp_timeout();
    }
    printf("%.9f %ld\n", now() - began, answered);
    fflush(stdout);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s udp:127.0.0.1:PORT\n", argv[0]);
        return 2;
    }
    setenv("MIBS", "", 1);
    init_snmp("monitord-bench-peer");
    netsnmp_session *walker = open_session(argv[1]);
    netsnmp_session *sessions[MAX_CONC];
    int opened = 0;
    char line[512];
    while (fgets(line, sizeof line, stdin)) {
        char oidtext[256];
        long a;
        int b;
        if (sscanf(line, "walk %ld %255s", &a, oidtext) == 2) {
            walk(walker, a, oidtext);
        } else if (sscanf(line, "get %ld %d %255s", &a, &b, oidtext) == 3) {
            if (b < 1 || b > MAX_CONC) b = 1;
            while (opened < b) sessions[opened++] = open_session(argv[1]);
            gets(sessions, a, b, oidtext);
        } else if (strncmp(line, "quit", 4) == 0) {
            break;
        } else {
            fprintf(stderr, "bad command: %s", line);
            return 2;
        }
    }
    for (int i = 0; i < opened; i++) snmp_close(sessions[i]);
    snmp_close(walker);
    return 0;
}
