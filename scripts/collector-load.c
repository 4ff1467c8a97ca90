/*
 * Load generator for `coroner serve`, the same traffic as scripts/collector-load.py
 * sent with sendmmsg(2): forged netconsole hosts on loopback, each a UDP socket bound
 * to its own 127.x.y.z address, sending extended records (release prefix; one in
 * FRAGMENT_EVERY long and cut into ncfrag fragments, sent last piece first with
 * --reorder). Python's one sendto per datagram tops out near 30,000 records/s on this
 * machine; this sender batches BATCH records of one host into one system call.
 *
 * Build: cc -O2 -o collector-load scripts/collector-load.c
 * Usage: collector-load --port P --hosts N --rate R --seconds S [--batch B] [--reorder]
 *        [--fragment-every F]
 * Prints one JSON line: records, datagrams, seconds, records_per_second, hosts.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PARTS 4
#define MAX_BATCH 64
#define PAYLOAD 1024

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  int port = 6666, hosts = 1000, batch = 4, fragment_every = 50, reorder = 0;
  double rate = 100000, seconds = 5;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : "";
    if (!strcmp(a, "--port")) port = atoi(v), i++;
    else if (!strcmp(a, "--hosts")) hosts = atoi(v), i++;
    else if (!strcmp(a, "--rate")) rate = atof(v), i++;
    else if (!strcmp(a, "--seconds")) seconds = atof(v), i++;
    else if (!strcmp(a, "--batch")) batch = atoi(v), i++;
    else if (!strcmp(a, "--fragment-every")) fragment_every = atoi(v), i++;
    else if (!strcmp(a, "--reorder")) reorder = 1;
    else {
      fprintf(stderr, "collector-load: unknown argument '%s'\n", a);
      return 64;
    }
  }
  if (hosts < 1 || batch < 1 || batch > MAX_BATCH || rate <= 0) {
    fprintf(stderr, "collector-load: need --hosts >= 1, --batch 1-%d, --rate > 0\n", MAX_BATCH);
    return 64;
  }
  int *sockets = calloc(hosts, sizeof(int));
  unsigned long *seq = calloc(hosts, sizeof(unsigned long));
  for (int i = 0; i < hosts; i++) {
    struct sockaddr_in local = {.sin_family = AF_INET};
    char address[32];
    snprintf(address, sizeof address, "127.%d.%d.%d", 1 + i / (254 * 256), i / 254 % 256, 1 + i % 254);
    inet_pton(AF_INET, address, &local.sin_addr);
    sockets[i] = socket(AF_INET, SOCK_DGRAM, 0);
    int size = 1 << 20;
    setsockopt(sockets[i], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    if (sockets[i] < 0 || bind(sockets[i], (struct sockaddr *)&local, sizeof local) != 0) {
      perror("collector-load: bind");
      return 71;
    }
  }
  struct sockaddr_in target = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &target.sin_addr);
  /* A new boot each run: sequences from 0, printk times unlike the last run's. */
  unsigned long boot = (unsigned long)(time(NULL) * 1000) % 1000000;
  char filler[1801];
  memset(filler, 'x', 1800);
  filler[1800] = 0;

  static char buffers[MAX_BATCH * MAX_PARTS][PAYLOAD];
  static struct mmsghdr messages[MAX_BATCH * MAX_PARTS];
  static struct iovec vectors[MAX_BATCH * MAX_PARTS];
  unsigned long records = 0, datagrams = 0;
  double start = now(), deadline = start + seconds;
  /* One step sends `batch` records of one host in one sendmmsg; hosts take turns.
     Steps fall due at rate / batch a second; the sender sleeps 0.2 ms between looks
     at the clock and sends the steps due, so it paces without spinning a core. */
  double host_step = batch / rate;
  unsigned long steps = 0;
  int host = 0;
  while (now() < deadline) {
    unsigned long due = (unsigned long)((now() - start) / host_step);
    if (steps >= due) {
      struct timespec pause = {0, 200000};
      nanosleep(&pause, NULL);
      continue;
    }
    steps++;
    int count = 0;
    for (int r = 0; r < batch; r++) {
      unsigned long s = seq[host]++;
      char head[96];
      int head_length = snprintf(head, sizeof head, "6.1.0-56-amd64,6,%lu,%lu,-", s, boot + s * 1000);
      if (fragment_every && s % fragment_every == (unsigned long)fragment_every - 1) {
        char body[2048];
        int body_length = snprintf(body, sizeof body, "load test long record %lu %s\n cpu=0\n", s, filler);
        int offsets[MAX_PARTS], lengths[MAX_PARTS], parts = 0, offset = 0;
        while (offset < body_length && parts < MAX_PARTS) {
          char prefix[128];
          int prefix_length = snprintf(prefix, sizeof prefix, "%.*s,ncfrag=%d/%d;", head_length, head, offset, body_length);
          int chunk = 1000 - prefix_length;
          if (chunk > body_length - offset) chunk = body_length - offset;
          offsets[parts] = offset;
          lengths[parts] = chunk;
          parts++;
          offset += chunk;
        }
        for (int p = 0; p < parts; p++) {
          int k = reorder ? parts - 1 - p : p;
          char *out = buffers[count];
          int n = snprintf(out, PAYLOAD, "%.*s,ncfrag=%d/%d;", head_length, head, offsets[k], body_length);
          memcpy(out + n, body + offsets[k], lengths[k]);
          vectors[count] = (struct iovec){out, (size_t)(n + lengths[k])};
          count++;
        }
      } else {
        char *out = buffers[count];
        int n = snprintf(out, PAYLOAD, "%.*s;load test record %lu from host %d\n", head_length, head, s, host);
        vectors[count] = (struct iovec){out, (size_t)n};
        count++;
      }
      records++;
    }
    for (int m = 0; m < count; m++) {
      messages[m].msg_hdr = (struct msghdr){
          .msg_name = &target, .msg_namelen = sizeof target, .msg_iov = &vectors[m], .msg_iovlen = 1};
    }
    int sent = 0;
    while (sent < count) {
      int n = sendmmsg(sockets[host], messages + sent, count - sent, 0);
      if (n <= 0) break;
      sent += n;
    }
    datagrams += sent;
    host = (host + 1) % hosts;
  }
  double elapsed = now() - start;
  printf("{\"records\": %lu, \"datagrams\": %lu, \"seconds\": %.3f, \"records_per_second\": %.0f, "
         "\"hosts\": %d, \"batch\": %d}\n",
         records, datagrams, elapsed, records / elapsed, hosts, batch);
  return 0;
}
