# tools/tchat: the terminal chat client (host: POSIX sockets + mbedTLS 2.28).
# net_lwip.c (the lwIP stack) needs lwIP's source: it is built only into
# $(BUILD)/tchat-lwip by tools/tchat/lwip.mk, so `tchat` builds without it.
TCHAT_SRC := $(filter-out tools/tchat/net_lwip.c,$(sort $(wildcard tools/tchat/*.c)))
TCHAT     := $(BUILD)/tchat
TCHAT_INC := -Itools/tchat -Iport/posix -Iport/mbedtls -Iport/kv

$(TCHAT): $(TCHAT_SRC) $(wildcard tools/tchat/*.h) $(LIB) $(PORT_LIB)
	$(CC) $(ALL_CFLAGS) -D_GNU_SOURCE $(TCHAT_INC) $(TCHAT_SRC) $(PORT_LIB) $(LIB) $(MBEDTLS_LIBS) -o $@

.PHONY: tchat
tchat: $(TCHAT)
all: $(TCHAT)
