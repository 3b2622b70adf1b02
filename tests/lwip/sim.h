/*
 * sim.h — trigchat's lwIP host simulation: lwIP (built from Debian's source,
 * tests/deps.d/lwip.sh) runs in this process on a TAP device; the Linux
 * kernel on the other side of the TAP plays the internet: TCP servers, a DNS
 * server and refusals/resets come from real kernel sockets.
 *
 * Everything lives in a network namespace that tests/lwip/run.sh creates for
 * the run (and deletes in every path): the TAP device SIM_TAP holds
 * SIM_HOST_IP/24 on the kernel side; lwIP is SIM_LWIP_IP on the same /24.
 * No packet leaves the namespace.
 *
 * sim_host.c: kernel side (host headers only). sim_link.c: lwIP side.
 */
#ifndef TC_LWIP_SIM_H
#define TC_LWIP_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_TAP "tctap0"
#define SIM_HOST_IP "10.77.0.1"
#define SIM_LWIP_IP "10.77.0.2"
#define SIM_DEAD_IP "10.77.0.99" /* on the link, nobody answers ARP: a black hole */
#define SIM_DNS_NAME "server.test" /* the DNS server answers this with SIM_HOST_IP */

/* ---- kernel side (sim_host.c) ---- */

/* Attaches to the TAP device made by run.sh; returns its fd (non-blocking) or -1. */
int sim_tap_open(const char *ifname);
/* A non-blocking TCP listener on SIM_HOST_IP:port (0: any; *port set). */
int sim_listen(uint16_t *port, int backlog);
/* A port on SIM_HOST_IP with nothing listening. */
uint16_t sim_dead_port(void);
/* Non-blocking accept: the connection's fd (non-blocking) or -1. */
int sim_accept(int lfd);
/* Non-blocking read/write: bytes, 0 at EOF (read), -1 would block, -2 error. */
long sim_read(int fd, void *buf, size_t n);
long sim_write(int fd, const void *buf, size_t n);
/* Closes fd; sim_reset closes it with SO_LINGER 0 (the kernel sends RST). */
void sim_close(int fd);
void sim_reset(int fd);
/* Shrinks the kernel receive buffer (before listen: accepted sockets inherit). */
void sim_set_rcvbuf(int fd, int bytes);
/* The DNS server on SIM_HOST_IP:53/udp: answers A queries for SIM_DNS_NAME
 * and "localhost" (the name in the TLS tests' certificates) with
 * SIM_HOST_IP, NXDOMAIN for every other name. Returns its fd or -1. */
int sim_dns_open(void);
/* Answers every query waiting on fd; returns how many. */
int sim_dns_serve(int fd);
/* Waits until one of fds is readable or ms pass (poll); fds < 0 are skipped. */
void sim_wait(const int *fds, int n, int ms);

/* ---- lwIP side (sim_link.c) ---- */

/* lwIP initialised, one Ethernet netif over the TAP fd (MTU 1500), DNS
 * server SIM_HOST_IP. NO_SYS=1: the caller's thread owns lwIP and drives it
 * with sim_step. NO_SYS=0: tcpip thread plus a reader thread for the TAP.
 * Returns 0 or -1. */
int sim_lwip_start(int tapfd, int dnsfd);
/* NO_SYS=1: feeds every frame waiting on the TAP to lwIP, answers DNS, runs
 * sys_check_timeouts; waits up to ms for something to happen first.
 * NO_SYS=0: waits ms (the reader thread feeds frames and answers DNS). */
void sim_step(int ms);
/* Stops the threads (NO_SYS=0). */
void sim_lwip_stop(void);
/* Largest Ethernet frame seen (bytes, without FCS) from lwIP and to lwIP. */
size_t sim_max_frame_out(void);
size_t sim_max_frame_in(void);
/* lwIP's free PBUF_POOL pbufs (to check nothing leaks). */
int sim_pool_free(void);

#endif /* TC_LWIP_SIM_H */
