# tools/tchat: the terminal chat client (host: POSIX sockets + mbedTLS 2.28).
TCHAT_SRC := $(sort $(wildcard tools/tchat/*.c))
TCHAT     := $(BUILD)/tchat
TCHAT_INC := -Itools/tchat -Iport/posix -Iport/mbedtls -Iport/kv

$(TCHAT): $(TCHAT_SRC) $(wildcard tools/tchat/*.h) $(LIB) $(PORT_LIB)
	$(CC) $(ALL_CFLAGS) -D_GNU_SOURCE $(TCHAT_INC) $(TCHAT_SRC) $(PORT_LIB) $(LIB) $(MBEDTLS_LIBS) -o $@

.PHONY: tchat
tchat: $(TCHAT)
all: $(TCHAT)
