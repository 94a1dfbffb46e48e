/*
 * Inter-process radio medium: Unix datagram sockets in a shared directory
 * (one per simulated module) carry each transmitted frame to every other
 * wisrpc-sim process on the same medium.  Plugs into struct radio_medium
 * through its transport hook and radio_medium_inject(); see
 * radio_medium_sock.c for the wire layout and the clock rule.
 */
#ifndef WIS_RADIO_MEDIUM_SOCK_H
#define WIS_RADIO_MEDIUM_SOCK_H

#include "radio_medium.h"

struct radio_medium_sock {
	int fd;
	uint32_t id; /* pid << 8 | sequence: the sender id on the wire  */
	struct radio_medium *md;
	char dir[80];
	char self[32]; /* this socket's file name in dir                 */
	uint32_t send_errors, bad;
};

/* Binds a socket in dir (which must exist) and hooks it to md.  0 or
 * -errno. */
int radio_medium_sock_open(struct radio_medium_sock *s, struct radio_medium *md, const char *dir);
/* Injects every frame waiting on the socket into md; how many. */
int radio_medium_sock_poll(struct radio_medium_sock *s);
void radio_medium_sock_close(struct radio_medium_sock *s);

#endif
