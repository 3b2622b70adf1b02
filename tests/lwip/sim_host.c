/* sim_host.c — kernel side of the lwIP simulation (see sim.h). Only host
 * headers here: lwIP's names stay in sim_link.c. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim.h"

int sim_tap_open(const char *ifname)
{
  struct ifreq ifr;
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) != 0) { close(fd); return -1; }
  return fd;
}

static struct sockaddr_in host_addr(uint16_t port)
{
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, SIM_HOST_IP, &a.sin_addr);
  return a;
}

int sim_listen(uint16_t *port, int backlog)
{
  struct sockaddr_in a = host_addr(*port);
  socklen_t sl = sizeof a;
  int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, backlog) != 0) { close(fd); return -1; }
  getsockname(fd, (struct sockaddr *)&a, &sl);
  *port = ntohs(a.sin_port);
  return fd;
}

uint16_t sim_dead_port(void)
{
  uint16_t port = 0;
  int fd = sim_listen(&port, 1);
  close(fd);
  return port;
}

int sim_accept(int lfd)
{
  return accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

long sim_read(int fd, void *buf, size_t n)
{
  ssize_t r = read(fd, buf, n);
  if (r >= 0) return (long)r;
  return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? -1 : -2;
}

long sim_write(int fd, const void *buf, size_t n)
{
  ssize_t r = send(fd, buf, n, MSG_NOSIGNAL);
  if (r >= 0) return (long)r;
  return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? -1 : -2;
}

void sim_close(int fd) { if (fd >= 0) close(fd); }

void sim_reset(int fd)
{
  struct linger lg = { 1, 0 };
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(fd);
}

void sim_set_rcvbuf(int fd, int bytes)
{
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

int sim_dns_open(void)
{
  struct sockaddr_in a = host_addr(53);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) { close(fd); return -1; }
  return fd;
}

/* The query's QNAME as dotted text; returns the offset after QTYPE/QCLASS or 0. */
static size_t qname(const uint8_t *q, size_t n, char *out, size_t cap)
{
  size_t i = 12, o = 0;
  while (i < n && q[i] != 0) {
    size_t l = q[i++];
    if (l > 63 || i + l > n || o + l + 2 > cap) return 0;
    if (o) out[o++] = '.';
    memcpy(out + o, q + i, l);
    o += l;
    i += l;
  }
  out[o] = '\0';
  return (i + 5 <= n) ? i + 5 : 0;
}

int sim_dns_serve(int fd)
{
  int answered = 0;
  for (;;) {
    uint8_t q[512], r[600];
    char name[256];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
    size_t end;
    bool found;
    if (n < 0) break;
    if (n < 12 || (end = qname(q, (size_t)n, name, sizeof name)) == 0) continue;
    found = strcasecmp(name, SIM_DNS_NAME) == 0 || strcasecmp(name, "localhost") == 0;
    memcpy(r, q, end);              /* header + question */
    r[2] = 0x81;                    /* QR, RD */
    r[3] = found ? 0x80 : 0x83;     /* RA; NOERROR or NXDOMAIN */
    r[4] = 0; r[5] = 1;             /* QDCOUNT */
    r[6] = 0; r[7] = found ? 1 : 0; /* ANCOUNT */
    memset(r + 8, 0, 4);
    if (found) {
      static const uint8_t ans[12] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4 };
      memcpy(r + end, ans, sizeof ans);
      inet_pton(AF_INET, SIM_HOST_IP, r + end + sizeof ans);
      end += sizeof ans + 4;
    }
    sendto(fd, r, end, 0, (struct sockaddr *)&from, fl);
    answered++;
  }
  return answered;
}

void sim_wait(const int *fds, int n, int ms)
{
  struct pollfd p[8];
  int k = 0;
  for (int i = 0; i < n && k < 8; i++)
    if (fds[i] >= 0) { p[k].fd = fds[i]; p[k].events = POLLIN; p[k].revents = 0; k++; }
  (void)poll(p, (nfds_t)k, ms);
}
