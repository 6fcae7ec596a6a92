/* emutime as a drop-in qemu-system-ARCH under qtest: the sockets libqtest
 * listens on are connected, the qtest protocol and every QMP monitor are
 * served in one poll loop, and the process ends as QEMU's does: SHUTDOWN
 * and exit status 0 on SIGTERM/SIGINT/SIGHUP or quit, exit at the end of
 * the qtest stream. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "qemu_cli.h"
#include "qemu_vm.h"
#include "qmp.h"
#include "tool.h"

#define IN_CHUNK (64u << 10)

/* --- signals: a self-pipe the loop polls ---------------------------------- */

static int signal_pipe[2] = { -1, -1 };
static volatile sig_atomic_t signal_seen;

static void on_signal(int sig)
{
    int saved = errno;
    signal_seen = sig;
    char b = (char)sig;
    (void)!write(signal_pipe[1], &b, 1);
    errno = saved;
}

static int install_signals(void)
{
    if (pipe(signal_pipe) != 0) {
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(signal_pipe[i], F_SETFD, FD_CLOEXEC);
        fcntl(signal_pipe[i], F_SETFL, O_NONBLOCK);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    return 0;
}

/* --- sockets ----------------------------------------------------------------- */

/* A unix stream socket connected to path, or listening on it. -1 with
 * errno on failure. */
static int unix_socket(const char *path, bool listening)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(addr.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    int rc;
    if (listening) {
        rc = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
        if (rc == 0) {
            rc = listen(fd, 1);
        }
    } else {
        do {
            rc = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
        } while (rc != 0 && errno == EINTR);
    }
    if (rc != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int accept_one(int lfd)
{
    int fd;
    do {
        fd = accept(lfd, NULL, NULL);
    } while (fd < 0 && errno == EINTR && !signal_seen); /* a signal ends the wait */
    if (fd >= 0) {
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    return fd;
}

/* --- the qtest stream ------------------------------------------------------ */

typedef struct qtest_out {
    int fd;
    tool_buf buf;
    bool broken;
    FILE *log;
    struct timeval start;
} qtest_out;

static double log_time(const qtest_out *o)
{
    struct timeval now;
    gettimeofday(&now, NULL);
    return (double)(now.tv_sec - o->start.tv_sec) + (now.tv_usec - o->start.tv_usec) / 1e6;
}

static void qtest_write(void *opaque, const char *text, size_t len)
{
    qtest_out *o = opaque;
    if (o->log) {
        fprintf(o->log, "[S +%.6f] %.*s", log_time(o), (int)len, text);
    }
    tool_buf_append(&o->buf, text, len);
}

static void qtest_flush(qtest_out *o)
{
    while (o->buf.len && !o->broken) {
        ssize_t n = write(o->fd, o->buf.data, o->buf.len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            o->broken = true;
            break;
        }
        tool_buf_consume(&o->buf, (size_t)n);
    }
    o->buf.len = 0;
    if (o->log) {
        fflush(o->log);
    }
}

/* --- watchdogs ----------------------------------------------------------- */

/* A watchdog's reset output fired: QEMU's watchdog_perform_action. */
static void on_watchdog(void *opaque, size_t dev)
{
    qemu_vm *vm = opaque;
    (void)dev;
    qemu_watchdog_action a = vm->watchdog_action;
    vm_event(vm, "WATCHDOG", json_pack("{s:s}", "action", qemu_watchdog_action_name(a)));
    switch (a) {
    case QEMU_WDT_RESET:
        vm->reset_requested = true;
        break;
    case QEMU_WDT_SHUTDOWN:
        vm->powerdown_requested = true;
        break;
    case QEMU_WDT_POWEROFF:
        /* QEMU 7.2 exits at once, without a SHUTDOWN event. */
        vm->exiting = true;
        break;
    case QEMU_WDT_PAUSE:
        vm->stop_requested = true;
        break;
    case QEMU_WDT_DEBUG:
        fprintf(stderr, "watchdog: timer fired\n");
        break;
    case QEMU_WDT_NONE:
    case QEMU_WDT_INJECT_NMI: /* no CPU takes an NMI here */
        break;
    }
}

/* --- the loop ------------------------------------------------------------- */

typedef struct monitor {
    const qemu_endpoint *ep;
    int listen_fd; /* server=on, else -1 */
} monitor;

static void flush_monitors(qemu_vm *vm, bool blocking)
{
    for (unsigned i = 0; i < QEMU_MAX_QMP; i++) {
        qmp_conn *c = vm->qmp[i];
        if (!c) {
            continue;
        }
        if (blocking) {
            qmp_conn_flush_all(c);
        } else if (qmp_conn_flush(c) != 0) {
            qmp_conn_free(c);
            vm->qmp[i] = NULL;
        }
    }
}

static void add_monitor(qemu_vm *vm, unsigned i, int fd)
{
    vm->qmp[i] = qmp_conn_new(vm, fd);
    qmp_conn_greet(vm->qmp[i]);
}

/* Executes qtest input (logging each line when asked), then what QEMU's
 * main loop does after a command. */
static void qtest_input(qemu_vm *vm, qtest_out *o, const char *buf, size_t n)
{
    if (!o->log) {
        et_qtest_feed(vm->q, buf, n);
    } else {
        while (n) {
            const char *nl = memchr(buf, '\n', n);
            size_t len = nl ? (size_t)(nl - buf) + 1 : n;
            if (nl) {
                fprintf(o->log, "[R +%.6f] %.*s\n", log_time(o), (int)(len - 1), buf);
            }
            et_qtest_feed(vm->q, buf, len);
            buf += len;
            n -= len;
        }
    }
    qtest_flush(o);
    vm_run_deferred(vm);
}

static int serve(qemu_vm *vm, qtest_out *o, int qtest_in, monitor *mons, unsigned n_mons)
{
    char *buf = malloc(IN_CHUNK);
    if (!buf) {
        abort();
    }
    while (!vm->exiting) {
        struct pollfd fds[2 + 2 * QEMU_MAX_QMP];
        int kinds[2 + 2 * QEMU_MAX_QMP]; /* 0 signal, 1 qtest, 2+i monitor i, -1-i listen */
        nfds_t n = 0;
        fds[n] = (struct pollfd){ .fd = signal_pipe[0], .events = POLLIN };
        kinds[n++] = 0;
        fds[n] = (struct pollfd){ .fd = qtest_in, .events = POLLIN };
        kinds[n++] = 1;
        for (unsigned i = 0; i < n_mons; i++) {
            if (vm->qmp[i]) {
                short ev = POLLIN;
                if (qmp_conn_pending(vm->qmp[i])) {
                    ev |= POLLOUT;
                }
                fds[n] = (struct pollfd){ .fd = qmp_conn_fd(vm->qmp[i]), .events = ev };
                kinds[n++] = 2 + (int)i;
            } else if (mons[i].listen_fd >= 0) {
                fds[n] = (struct pollfd){ .fd = mons[i].listen_fd, .events = POLLIN };
                kinds[n++] = -1 - (int)i;
            }
        }
        if (poll(fds, n, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            tool_error("poll: %s", strerror(errno));
            break;
        }
        for (nfds_t k = 0; k < n && !vm->exiting; k++) {
            if (!fds[k].revents) {
                continue;
            }
            if (kinds[k] == 0) {
                vm_shutdown(vm, false, "host-signal");
            } else if (kinds[k] == 1) {
                ssize_t r = read(qtest_in, buf, IN_CHUNK);
                if (r < 0 && errno == EINTR) {
                    continue;
                }
                if (r <= 0) {
                    /* The end of the qtest stream ends the run. */
                    et_qtest_finish(vm->q);
                    qtest_flush(o);
                    vm->exiting = true;
                    break;
                }
                qtest_input(vm, o, buf, (size_t)r);
            } else if (kinds[k] >= 2) {
                unsigned i = (unsigned)(kinds[k] - 2);
                qmp_conn *c = vm->qmp[i];
                if (fds[k].revents & POLLOUT) {
                    qmp_conn_flush(c);
                }
                if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) {
                    ssize_t r = recv(qmp_conn_fd(c), buf, IN_CHUNK, 0);
                    if (r < 0 && errno == EINTR) {
                        continue;
                    }
                    if (r <= 0) {
                        qmp_conn_free(c); /* a server monitor takes the next client */
                        vm->qmp[i] = NULL;
                        continue;
                    }
                    qmp_conn_input(c, buf, (size_t)r);
                    vm_run_deferred(vm);
                }
            } else {
                unsigned i = (unsigned)(-1 - kinds[k]);
                int fd = accept_one(mons[i].listen_fd);
                if (fd >= 0) {
                    add_monitor(vm, i, fd);
                }
            }
        }
        flush_monitors(vm, false);
    }
    flush_monitors(vm, true);
    free(buf);
    return 0;
}

static void list_machines(const qemu_config *cfg)
{
    printf("Supported machines are:\n");
    for (size_t i = 0; i < et_board_count(); i++) {
        const et_board *b = et_board_get(i);
        if (qemu_board_fits_arch(b, cfg->arch)) {
            printf("%-20s %s\n", b->name, b->description);
        }
    }
}

int tool_qemu_main(int argc, char **argv)
{
    qemu_config cfg;
    if (qemu_cli_parse(&cfg, argc, argv) != 0) {
        qemu_cli_hang_up(argc, argv);
        return 1;
    }
    if (cfg.help_machines) {
        list_machines(&cfg);
        qemu_cli_free(&cfg);
        return 0;
    }
    int status = 1;
    char err[512];
    qemu_vm vm = { .cfg = &cfg, .watchdog_action = cfg.watchdog_action,
                   .state = cfg.start_paused ? VM_PRELAUNCH : VM_RUNNING };
    qtest_out out = { .fd = -1 };
    monitor mons[QEMU_MAX_QMP];
    unsigned n_mons = 0;
    int qtest_in = -1, qtest_listen = -1;
    bool tracing = false;

    vm.m = et_machine_new(cfg.machine, err, sizeof(err));
    if (!vm.m) {
        fprintf(stderr, "%s: -machine %s: %s\n", cfg.prog, cfg.machine, err);
        qemu_cli_hang_up(argc, argv);
        goto out;
    }
    if (cfg.trace) {
        if (tool_trace_start(cfg.trace, et_machine_clock(vm.m), err, sizeof(err)) != 0) {
            fprintf(stderr, "%s: -trace %s: %s\n", cfg.prog, cfg.trace, err);
            qemu_cli_hang_up(argc, argv);
            goto out;
        }
        tracing = true;
    }
    if (cfg.qtest_log) {
        out.log = fopen(cfg.qtest_log, "w");
        if (!out.log) {
            fprintf(stderr, "%s: -qtest-log %s: %s\n", cfg.prog, cfg.qtest_log,
                    strerror(errno));
            qemu_cli_hang_up(argc, argv);
            goto out;
        }
        gettimeofday(&out.start, NULL);
    }
    if (install_signals() != 0) {
        fprintf(stderr, "%s: pipe: %s\n", cfg.prog, strerror(errno));
        goto out;
    }

    /* The qtest endpoint first: libqtest accepts it before the monitor. */
    if (cfg.qtest.kind == QEMU_EP_STDIO) {
        qtest_in = STDIN_FILENO;
        out.fd = STDOUT_FILENO;
    } else if (cfg.qtest.server) {
        qtest_listen = unix_socket(cfg.qtest.path, true);
        qtest_in = qtest_listen < 0 ? -1 : accept_one(qtest_listen);
    } else {
        qtest_in = unix_socket(cfg.qtest.path, false);
    }
    if (qtest_in < 0) {
        fprintf(stderr, "%s: -qtest unix:%s: Failed to connect to '%s': %s\n", cfg.prog,
                cfg.qtest.path, cfg.qtest.path, strerror(errno));
        qemu_cli_hang_up(argc, argv);
        goto out;
    }
    if (out.fd < 0) {
        out.fd = qtest_in;
    }
    for (unsigned i = 0; i < cfg.n_qmp; i++) {
        const qemu_endpoint *ep = &cfg.qmp[i];
        mons[n_mons].ep = ep;
        mons[n_mons].listen_fd = -1;
        int fd = -1;
        if (ep->kind == QEMU_EP_STDIO) {
            fprintf(stderr, "%s: -qmp stdio: emutime serves QMP only on unix sockets\n",
                    cfg.prog);
            qemu_cli_hang_up(argc, argv);
            goto out;
        }
        if (ep->server) {
            mons[n_mons].listen_fd = unix_socket(ep->path, true);
            if (mons[n_mons].listen_fd >= 0 && ep->wait) {
                fd = accept_one(mons[n_mons].listen_fd);
            }
            if (mons[n_mons].listen_fd < 0 || (ep->wait && fd < 0)) {
                fprintf(stderr, "%s: %s: %s\n", cfg.prog, ep->path, strerror(errno));
                goto out_mons;
            }
        } else {
            fd = unix_socket(ep->path, false);
            if (fd < 0) {
                fprintf(stderr, "%s: Failed to connect to '%s': %s\n", cfg.prog, ep->path,
                        strerror(errno));
                qemu_cli_hang_up(argc, argv);
                goto out_mons;
            }
        }
        n_mons++;
        if (fd >= 0) {
            add_monitor(&vm, n_mons - 1, fd);
        }
    }

    vm.q = et_qtest_new(vm.m, qtest_write, &out);
    et_machine_set_reset_request_sink(vm.m, on_watchdog, &vm);
    flush_monitors(&vm, false);
    status = serve(&vm, &out, qtest_in, mons, n_mons) == 0 ? 0 : 1;

out_mons:
    for (unsigned i = 0; i < QEMU_MAX_QMP; i++) {
        qmp_conn_free(vm.qmp[i]);
    }
    for (unsigned i = 0; i < n_mons; i++) {
        if (mons[i].listen_fd >= 0) {
            close(mons[i].listen_fd);
            unlink(mons[i].ep->path);
        }
    }
out:
    if (qtest_in >= 0 && qtest_in != STDIN_FILENO) {
        close(qtest_in);
    }
    if (qtest_listen >= 0) {
        close(qtest_listen);
        unlink(cfg.qtest.path);
    }
    if (out.log) {
        fclose(out.log);
    }
    tool_buf_free(&out.buf);
    et_qtest_free(vm.q);
    if (tracing) {
        tool_trace_stop();
    }
    et_machine_free(vm.m);
    qemu_cli_free(&cfg);
    return status;
}
