// The fan-out peer: the posix_spawn ceiling of this machine. Starts a command COUNT times, at most THREADS at
// once (one thread each, each spawning and reaping its own children), and prints processes per second:
//   spawn COUNT THREADS [--pipes] -- COMMAND [ARG ...]
// Bare (the ceiling): the child's stdin, stdout and stderr are /dev/null; the parent only spawns and waits.
// --pipes: what a job runner must do on top: the child gets three pipes, the word "true\n" is written to its
// stdin, and its stdout and stderr are read to the end before it is reaped.
// bench/fanout.sh builds it with cc -O2 -pthread; it prints one line: "spawn RATE /s".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char **command;
static int with_pipes;
static atomic_long remaining;
static atomic_long failures;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run_one(void) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    if (with_pipes) {
        if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) { perror("pipe"); exit(1); }
        posix_spawn_file_actions_adddup2(&actions, in[0], 0);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    } else {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    }
    pid_t pid;
    int rc = posix_spawnp(&pid, command[0], &actions, NULL, command, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) { fprintf(stderr, "spawn: %s: %s\n", command[0], strerror(rc)); exit(1); }
    if (with_pipes) {
        close(in[0]); close(out[1]); close(err[1]);
        if (write(in[1], "true\n", 5) != 5) atomic_fetch_add(&failures, 1);
        close(in[1]);
        struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
        int open_fds = 2;
        char buffer[4096];
        while (open_fds > 0) {
            if (poll(fds, 2, -1) < 0) { if (errno == EINTR) continue; perror("poll"); exit(1); }
            for (int i = 0; i < 2; i++) {
                if (fds[i].fd < 0 || fds[i].revents == 0) continue;
                if (read(fds[i].fd, buffer, sizeof buffer) <= 0) { close(fds[i].fd); fds[i].fd = -1; open_fds--; }
            }
        }
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) atomic_fetch_add(&failures, 1);
}

static void *worker(void *unused) {
    (void)unused;
    while (atomic_fetch_sub(&remaining, 1) > 0) run_one();
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: spawn COUNT THREADS [--pipes] -- COMMAND [ARG ...]\n");
        return 2;
    }
    long count = atol(argv[1]);
    int threads = atoi(argv[2]);
    int i = 3;
    if (strcmp(argv[i], "--pipes") == 0) { with_pipes = 1; i++; }
    if (i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc || count < 1 || threads < 1) {
        fprintf(stderr, "usage: spawn COUNT THREADS [--pipes] -- COMMAND [ARG ...]\n");
        return 2;
    }
    command = argv + i + 1;
    atomic_store(&remaining, count);
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    double t0 = now();
    for (int t = 0; t < threads; t++) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 256 << 10);
        if (pthread_create(&ids[t], &attr, worker, NULL) != 0) { perror("pthread_create"); return 1; }
        pthread_attr_destroy(&attr);
    }
    for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
    double t = now() - t0;
    if (failures) { fprintf(stderr, "spawn: %ld children failed\n", (long)failures); return 1; }
    printf("spawn %.1f /s\n", count / t);
    return 0;
}
