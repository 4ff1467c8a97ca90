/*
 * Load generator for `coroner serve`, the same traffic as scripts/collector-load.py
 * sent with sendmmsg(2): forged netconsole hosts on loopback, each a UDP socket bound
 * to its own 127.x.y.z address, sending extended records (release prefix; one in
 * FRAGMENT_EVERY long and cut into ncfrag fragments, sent last piece first with
 * --reorder). Python's one sendto per datagram tops out near 30,000 records/s on this
 * machine; this sender batches BATCH records of one host into one system call, and
 * --senders K splits the hosts over K processes (host h to process h % K), so the
 * sending side can use more than one core.
 *
 * Loss is for the collector to find, from printk sequence numbers (extended format,
 * kernel/printk/printk_ringbuffer.c numbers every record of a boot): a record that never
 * arrives leaves a gap the next one of its host reveals. So that the last records of a
 * run are covered too, each host sends one closing record SETTLE seconds after the run
 * (counted in `records` and `closing`). --skip-every D leaves out one record in D on
 * purpose (its number is used, nothing is sent; counted in `skipped`): the collector
 * should report exactly those as lost when the wire lost nothing, which checks its
 * accounting under the same load.
 *
 * Build: cc -O2 -o collector-load scripts/collector-load.c
 * Usage: collector-load --port P --hosts N --rate R --seconds S [--batch B] [--reorder]
 *        [--fragment-every F] [--senders K] [--skip-every D] [--settle SECONDS] [--gso]
 *        [--legacy-every H]
 *   --rate 0 sends as fast as the sender can. --gso pads each short record to 120 bytes
 *   and sends a host's batch of them in one sendmsg with UDP_SEGMENT (generic
 *   segmentation offload, Linux 4.18+): the kernel cuts it into one datagram per record
 *   before the collector's socket, which sees the same datagrams as without it, and the
 *   sender's cost per record falls, so it can outrun a collector on a core of its own.
 *   --legacy-every H: one host in H sends legacy console text instead of extended records.
 * Prints one JSON line: records (sent, closing ones included), datagrams, skipped,
 * closing, seconds (the paced part), records_per_second (the paced part), hosts,
 * batch, senders, sender_cpu_seconds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PARTS 4
#define MAX_BATCH 64
#define MAX_SENDERS 16
#define PAYLOAD 1024
/* With --gso every short record is padded to this length, so that one send carries a
   host's batch as equal segments (UDP_SEGMENT, linux/udp.h; the last may be shorter). */
#define SEGMENT 120

struct tally {
  unsigned long records, datagrams, skipped, closing;
  double seconds;
};

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void sleep_seconds(double s) {
  if (s <= 0) return;
  struct timespec pause = {(time_t)s, (long)((s - (time_t)s) * 1e9)};
  nanosleep(&pause, NULL);
}

static int port = 6666, hosts = 1000, batch = 4, fragment_every = 50, reorder = 0, senders = 1,
           skip_every = 0, gso = 0, legacy_every = 0;
static double rate = 100000, seconds = 5, settle = 1;

static int send_all(int socket_fd, struct mmsghdr *messages, int count) {
  int sent = 0;
  while (sent < count) {
    int n = sendmmsg(socket_fd, messages + sent, count - sent, 0);
    if (n <= 0) break;
    sent += n;
  }
  return sent;
}

/* Sends the hosts h with h % senders == self, at rate / senders, from `start`. */
static void run_sender(int self, double start, struct tally *out) {
  int mine = (hosts - self + senders - 1) / senders;
  int *sockets = calloc(mine, sizeof(int));
  unsigned long *seq = calloc(mine, sizeof(unsigned long));
  if (!sockets || !seq) exit(71);
  for (int j = 0; j < mine; j++) {
    int i = self + j * senders;
    struct sockaddr_in local = {.sin_family = AF_INET};
    char address[32];
    snprintf(address, sizeof address, "127.%d.%d.%d", 1 + i / (254 * 256), i / 254 % 256, 1 + i % 254);
    inet_pton(AF_INET, address, &local.sin_addr);
    sockets[j] = socket(AF_INET, SOCK_DGRAM, 0);
    int size = 1 << 20;
    setsockopt(sockets[j], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    if (sockets[j] < 0 || bind(sockets[j], (struct sockaddr *)&local, sizeof local) != 0) {
      perror("collector-load: bind");
      exit(71);
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
  static char gso_buffer[MAX_BATCH * SEGMENT];
  int segments = 0;
  for (int m = 0; m < MAX_BATCH * MAX_PARTS; m++) {
    messages[m].msg_hdr =
        (struct msghdr){.msg_name = &target, .msg_namelen = sizeof target, .msg_iov = &vectors[m], .msg_iovlen = 1};
  }
  unsigned long records = 0, datagrams = 0, skipped = 0;
  /* A process that was slow to make its sockets starts when it has them. */
  if (now() > start) start = now();
  double deadline = start + seconds;
  /* One step sends `batch` records of one host in one sendmmsg; hosts take turns.
     Steps fall due at rate / senders / batch a second; the sender sleeps 0.2 ms between
     looks at the clock and sends the steps due, so it paces without spinning a core.
     A sender more than 50 ms behind (it was not given the CPU) forgives itself the
     steps it missed instead of sending them in one burst: a step holds its stated rate
     or falls short of it, and records_per_second says which. */
  double host_step = rate > 0 ? batch * senders / rate : 0;
  double paced_from = start;
  unsigned long steps = 0, forgiven_from = 0;
  int host = 0;
  double t;
  while ((t = now()) < deadline) {
    if (host_step > 0) {
      unsigned long due = (unsigned long)((t - paced_from) / host_step);
      if (steps - forgiven_from >= due) {
        sleep_seconds(0.0002);
        continue;
      }
      if ((due - (steps - forgiven_from)) * host_step > 0.05) {
        paced_from = t;
        forgiven_from = steps;
      }
    }
    steps++;
    int count = 0;
    int i = self + host * senders;
    /* One host in LEGACY_EVERY sends plain console text (a target without `+`): lines
       with printk's `[seconds.micros]` prefix and no sequence numbers, so none is
       skipped or cut into fragments, and a loss shows only as sent minus received. */
    int legacy = legacy_every && i % legacy_every == legacy_every - 1;
    for (int r = 0; r < batch; r++) {
      unsigned long s = seq[host]++;
      unsigned long micros = boot + s * 1000;
      char head[96], lead[100];
      int head_length = snprintf(head, sizeof head, "6.1.0-56-amd64,6,%lu,%lu,-", s, micros);
      if (legacy) {
        snprintf(lead, sizeof lead, "[%5lu.%06lu] ", micros / 1000000, micros % 1000000);
      } else {
        if (skip_every && s % skip_every == (unsigned long)skip_every - 1) {
          skipped++;
          continue;
        }
        snprintf(lead, sizeof lead, "%s;", head);
      }
      if (!legacy && fragment_every && s % fragment_every == (unsigned long)fragment_every - 1) {
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
      } else if (gso) {
        /* The message text is padded with 'x' to the segment length: still one record
           of one line, as a kernel would send it. */
        char *out = gso_buffer + segments * SEGMENT;
        int n = snprintf(out, SEGMENT + 1, "%sload test record %lu from host %d ", lead, s, i);
        if (n > SEGMENT - 1) n = SEGMENT - 1;
        memset(out + n, 'x', SEGMENT - 1 - n);
        out[SEGMENT - 1] = '\n';
        segments++;
      } else {
        char *out = buffers[count];
        int n = snprintf(out, PAYLOAD, "%sload test record %lu from host %d\n", lead, s, i);
        vectors[count] = (struct iovec){out, (size_t)n};
        count++;
      }
      records++;
    }
    if (segments > 0) {
      /* One send, `segments` datagrams: the kernel cuts it (udp_send_skb, GSO) and the
         collector's socket receives each piece as a datagram of its own. */
      struct iovec whole = {gso_buffer, (size_t)segments * SEGMENT};
      char control[CMSG_SPACE(sizeof(uint16_t))] = {0};
      struct msghdr header = {.msg_name = &target, .msg_namelen = sizeof target, .msg_iov = &whole,
                              .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
      struct cmsghdr *option = CMSG_FIRSTHDR(&header);
      option->cmsg_level = SOL_UDP;
      option->cmsg_type = UDP_SEGMENT;
      option->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      *(uint16_t *)CMSG_DATA(option) = SEGMENT;
      if (segments == 1) header.msg_control = NULL, header.msg_controllen = 0;
      if (sendmsg(sockets[host], &header, 0) >= 0) datagrams += segments;
      segments = 0;
    }
    datagrams += send_all(sockets[host], messages, count);
    host = (host + 1) % mine;
  }
  out->seconds = now() - start;
  /* The closing record of each host, once the run's datagrams have had time to be read:
     its number follows the host's last, so any record of the run that went missing is a
     gap the collector counts. */
  sleep_seconds(settle);
  unsigned long closing = 0;
  for (int j = 0; j < mine; j++) {
    unsigned long s = seq[j]++;
    unsigned long micros = boot + s * 1000;
    int n = legacy_every && (self + j * senders) % legacy_every == legacy_every - 1
                ? snprintf(buffers[0], PAYLOAD, "[%5lu.%06lu] load test closing record %lu from host %d\n",
                           micros / 1000000, micros % 1000000, s, self + j * senders)
                : snprintf(buffers[0], PAYLOAD, "6.1.0-56-amd64,6,%lu,%lu,-;load test closing record %lu from host %d\n",
                           s, micros, s, self + j * senders);
    vectors[0] = (struct iovec){buffers[0], (size_t)n};
    if (send_all(sockets[j], messages, 1) == 1) {
      closing++;
      datagrams++;
    }
    records++;
  }
  out->records = records;
  out->datagrams = datagrams;
  out->skipped = skipped;
  out->closing = closing;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : "";
    if (!strcmp(a, "--port")) port = atoi(v), i++;
    else if (!strcmp(a, "--hosts")) hosts = atoi(v), i++;
    else if (!strcmp(a, "--rate")) rate = atof(v), i++;
    else if (!strcmp(a, "--seconds")) seconds = atof(v), i++;
    else if (!strcmp(a, "--batch")) batch = atoi(v), i++;
    else if (!strcmp(a, "--fragment-every")) fragment_every = atoi(v), i++;
    else if (!strcmp(a, "--senders")) senders = atoi(v), i++;
    else if (!strcmp(a, "--skip-every")) skip_every = atoi(v), i++;
    else if (!strcmp(a, "--settle")) settle = atof(v), i++;
    else if (!strcmp(a, "--reorder")) reorder = 1;
    else if (!strcmp(a, "--gso")) gso = 1;
    else if (!strcmp(a, "--legacy-every")) legacy_every = atoi(v), i++;
    else {
      fprintf(stderr, "collector-load: unknown argument '%s'\n", a);
      return 64;
    }
  }
  if (hosts < 1 || batch < 1 || batch > MAX_BATCH || rate < 0 || senders < 1 || senders > MAX_SENDERS ||
      senders > hosts || skip_every < 0 || settle < 0 || legacy_every < 0) {
    fprintf(stderr,
            "collector-load: need --hosts >= 1, --batch 1-%d, --rate >= 0, --senders 1-%d and <= hosts, "
            "--skip-every >= 0, --settle >= 0, --legacy-every >= 0\n",
            MAX_BATCH, MAX_SENDERS);
    return 64;
  }
  struct tally *tallies =
      mmap(NULL, sizeof(struct tally) * senders, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (tallies == MAP_FAILED) {
    perror("collector-load: mmap");
    return 71;
  }
  memset(tallies, 0, sizeof(struct tally) * senders);
  /* Every process paces from the same start, a moment ahead so all have their sockets. */
  double start = now() + 0.2 + hosts * 20e-6;
  for (int k = 0; k < senders; k++) {
    pid_t child = fork();
    if (child < 0) {
      perror("collector-load: fork");
      return 71;
    }
    if (child == 0) {
      run_sender(k, start, &tallies[k]);
      _exit(0);
    }
  }
  int failed = 0, status;
  while (wait(&status) > 0) failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  if (failed) {
    fprintf(stderr, "collector-load: a sender process failed\n");
    return 71;
  }
  struct tally sum = {0};
  for (int k = 0; k < senders; k++) {
    sum.records += tallies[k].records;
    sum.datagrams += tallies[k].datagrams;
    sum.skipped += tallies[k].skipped;
    sum.closing += tallies[k].closing;
    if (tallies[k].seconds > sum.seconds) sum.seconds = tallies[k].seconds;
  }
  struct rusage usage;
  getrusage(RUSAGE_CHILDREN, &usage);
  double cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  unsigned long paced = sum.records - hosts;
  printf("{\"records\": %lu, \"datagrams\": %lu, \"skipped\": %lu, \"closing\": %lu, \"seconds\": %.3f, "
         "\"records_per_second\": %.0f, \"hosts\": %d, \"batch\": %d, \"senders\": %d, \"sender_cpu_seconds\": %.2f}\n",
         sum.records, sum.datagrams, sum.skipped, sum.closing, sum.seconds, paced / sum.seconds, hosts, batch, senders,
         cpu);
  return 0;
}
