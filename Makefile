# duplex: `make test` runs every test natively and in headless Chrome;
# `make demo` serves the demos (clock, echo, chat). Both install what they need: the
# tools pinned in internal/tools/go.mod into bin/, Chrome through `make
# chrome`, and the interop servers' Node and Tornado packages through
# `make interop-deps`.
#
# Four modules: the library (.), which requires only what its packages
# and their tests import, so that a module depending on duplex lists few
# modules in its go.sum (TestConsumerGoSum); examples/, whose tests drive
# Chrome through chromedp; internal/e2e, whose tests put toxiproxy
# between reconnect and the harness and drive Chrome on pages of their
# own; and internal/tools, which pins
# wasmbrowsertest and staticcheck with `tool` lines.

SHELL  := /bin/bash
MODULE := github.com/duplex-go/duplex
BIN    := $(CURDIR)/bin
export PATH := $(BIN):$(PATH)

# Host tools are built with GOOS and GOARCH unset: `go tool X` under
# GOOS=js would build X for js.
HOSTGO := env -u GOOS -u GOARCH go
JSGO   := env GOOS=js GOARCH=wasm go

# The browser test run: one harness for every package, each package's test
# binary run in headless Chrome.
BROWSER_TEST := $(BIN)/wsharness run -- $(JSGO) test -exec=$(BIN)/wasmbrowsertest

# Runs a command with the interop servers (internal/interop) up: a Node ws
# server and a Tornado server on loopback, their URLs in the environment.
# Every test run goes under it, so internal/interop runs with the rest.
INTEROP := scripts/interop.sh --

# The modules whose packages are vetted, checked and tested.
MODULES := . examples internal/e2e
TOOLS   := internal/tools

DEMO_ADDR ?= 127.0.0.1:8080

.PHONY: all test test-native test-browser test-interop interop-deps lint fmt vet staticcheck guard tools chrome demo demo-build screenshot bench bench-native bench-browser bench-codec size size-codec size-reconnect size-table soak herd clean help

all: test

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

test: lint size test-native test-browser ## lint, the size budget, then every test natively (-race) and in headless Chrome

test-native: tools chrome interop-deps ## every test natively (-race); the demo and quick-start tests drive headless Chrome
	$(INTEROP) go test -race -count=1 ./...
	for m in examples internal/e2e; do go -C $$m test -race -count=1 ./... || exit 1; done

# The Worker run (internal/wasmrun -worker) leaves out the examples, which
# need a file system the runner does not give them, and reconnect's
# TestPage*, about the page's lifecycle: a worker has no document and no
# back/forward cache.
test-browser: tools chrome interop-deps ## every package's tests in headless Chrome, against one harness; client's and reconnect's also in a Web Worker
	$(INTEROP) $(BROWSER_TEST) -count=1 ./...
	$(BIN)/wsharness run -- env DUPLEX_WORKER=1 $(JSGO) test -exec='$(BIN)/wasmrun -worker' -count=1 -run '^Test' -skip '^TestPage' ./client ./reconnect

test-interop: tools chrome interop-deps ## only the interop tests (Node ws, Tornado), natively and in Chrome
	$(INTEROP) go test -race -count=1 ./internal/interop
	$(INTEROP) $(BROWSER_TEST) -count=1 ./internal/interop

interop-deps: ## install the interop servers' npm ws (npm ci) and Debian's python3-tornado
	@scripts/interop-deps.sh

lint: fmt vet staticcheck guard ## gofmt check, go vet and staticcheck for both GOOS values, import guards

fmt:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt: these files need formatting:"; echo "$$out"; exit 1; fi

vet:
	for m in $(MODULES); do go -C $$m vet ./... && $(JSGO) -C $$m vet ./... || exit 1; done

staticcheck: $(BIN)/staticcheck
	for m in $(MODULES); do (cd $$m && $(BIN)/staticcheck ./... && GOOS=js GOARCH=wasm $(BIN)/staticcheck ./...) || exit 1; done

# The browser build of client, wasm, jsbridge, reconnect and codec is
# what every page downloads: it must not pull in net/http or
# coder/websocket. And imports only point down the package map
# (docs/architecture.md).
#
# Package codec gets a weaker form of client's fmt/net/url/os/reflect
# rule: codec.JSON needs encoding/json, which itself imports fmt (and so
# os and reflect), so those are in codec's dependencies whatever codec
# does. The guard keeps net out of them, and fmt out of codec's own
# imports, so that dropping encoding/json one day would drop fmt too
# (what encoding/json costs a page that does not use it:
# docs/benchmarks.md). codec/cbor is not guarded: its CBOR library
# imports all of them.
guard:
	@bad=$$($(JSGO) list -deps ./client ./wasm ./jsbridge ./reconnect ./codec/... | grep -x -e 'net/http' -e 'github.com/coder/websocket' || true); \
	if [ -n "$$bad" ]; then echo "guard: the js build of client, wasm, jsbridge, reconnect or codec imports: $$bad (each page would download it: docs/architecture.md)"; exit 1; fi
	@bad=$$($(JSGO) list -deps ./client ./wasm ./jsbridge ./reconnect | grep -x -e 'fmt' -e 'net' -e 'net/url' -e 'os' -e 'reflect' || true); \
	if [ -n "$$bad" ]; then echo "guard: the js build of client, wasm, jsbridge or reconnect imports: $$bad (each costs 20-200 KB of every page: docs/benchmarks.md)"; exit 1; fi
	@bad=$$( { $(JSGO) list -deps ./codec | grep -x -e 'net'; $(JSGO) list -f '{{join .Imports "\n"}}' ./codec | grep -x -e 'fmt'; } | xargs); \
	if [ -n "$$bad" ]; then echo "guard: the js build of codec imports: $$bad (docs/benchmarks.md)"; exit 1; fi
	@bad=$$(go list -deps ./client | grep -x -e '$(MODULE)/codec' -e '$(MODULE)/reconnect' -e '$(MODULE)/jsbridge' || true); \
	if [ -n "$$bad" ]; then echo "guard: client imports $$bad (imports point down: docs/architecture.md)"; exit 1; fi
	@bad=$$($(JSGO) list -deps ./wasm | grep -x -e '$(MODULE)/client' -e '$(MODULE)/reconnect' -e '$(MODULE)/codec' || true); \
	if [ -n "$$bad" ]; then echo "guard: wasm imports $$bad (imports point down: docs/architecture.md)"; exit 1; fi
	@bad=$$( { go list -deps ./reconnect | grep -x -e '$(MODULE)/codec'; go list -deps ./codec/... | grep -x -e '$(MODULE)/reconnect'; } | xargs); \
	if [ -n "$$bad" ]; then echo "guard: reconnect and codec import each other ($$bad): each page pays for both (docs/architecture.md)"; exit 1; fi
	@echo "guard: import rules hold"

tools: $(BIN)/wasmbrowsertest $(BIN)/staticcheck $(BIN)/wsharness $(BIN)/wasmrun ## build the pinned tools into bin/

# The tools are pinned by the `tool` lines of internal/tools/go.mod, a
# module of their own: their dependencies never reach the go.sum of a
# module that depends on duplex.
$(BIN)/wasmbrowsertest: $(TOOLS)/go.mod $(TOOLS)/go.sum
	GOBIN=$(BIN) $(HOSTGO) -C $(TOOLS) install github.com/agnivade/wasmbrowsertest

$(BIN)/staticcheck: $(TOOLS)/go.mod $(TOOLS)/go.sum
	GOBIN=$(BIN) $(HOSTGO) -C $(TOOLS) install honnef.co/go/tools/cmd/staticcheck

$(BIN)/wsharness: go.mod go.sum $(wildcard server_test_harness/*/*.go server_test_harness/cmd/*/*.go)
	GOBIN=$(BIN) $(HOSTGO) install ./server_test_harness/cmd/wsharness

# The browser benchmarks' -exec: a cross-origin isolated page, where the
# clock resolves 5 µs (internal/wasmrun).
$(BIN)/wasmrun: $(wildcard internal/wasmrun/*.go)
	GOBIN=$(BIN) $(HOSTGO) install ./internal/wasmrun

chrome: ## find Chrome or Chromium, installing Debian's chromium where it can
	@scripts/chrome.sh >/dev/null

# The demos (examples/): clock, echo and chat, each a Go server and a Go
# page compiled to WebAssembly, served from one process (examples/demo).
# Each page goes into $(DEMO_DIR)/<name>/ with its HTML, its stylesheet,
# the wasm_exec.js of the Go that built it, and its wasm gzipped beside it
# (main.wasm.gz, which wasmserve sends). The targets are files, so a demo
# already built starts at once.
DEMO_DIR   := $(BIN)/demo
DEMO_PAGES := clock echo chat
DEMO_SRC   := $(shell find client codec reconnect wasm jsbridge internal/ws internal/errs internal/wsspec internal/redact examples -name '*.go' -not -name '*_test.go') \
	$(wildcard examples/*/web/*.html examples/*/web/*.css examples/demo/*.html) go.mod examples/go.mod

demo-build: $(DEMO_PAGES:%=$(DEMO_DIR)/%/main.wasm) $(DEMO_DIR)/chat/hello.wasm $(BIN)/demo-server

$(DEMO_DIR)/%/main.wasm: $(DEMO_SRC)
	@mkdir -p $(@D)
	$(JSGO) -C examples build -o $@ ./$*/web
	gzip -kf $@
	cp "$$(go env GOROOT)/lib/wasm/wasm_exec.js" $$(ls examples/$*/web/*.html examples/$*/web/*.css 2>/dev/null) $(@D)/

# The README's program on package chat, for the browser: chat/hello.html.
$(DEMO_DIR)/chat/hello.wasm: $(DEMO_SRC) $(DEMO_DIR)/chat/main.wasm
	$(JSGO) -C examples build -o $@ ./chat/hello
	gzip -kf $@

$(BIN)/demo-server: $(DEMO_SRC)
	$(HOSTGO) -C examples build -o $@ ./demo

demo: demo-build ## build every demo's page and serve them all on $(DEMO_ADDR): clock, echo, chat
	$(BIN)/demo-server -addr $(DEMO_ADDR) -dir $(DEMO_DIR)

# The README's picture: the chat page, taken during the demos' test.
screenshot: chrome ## renew docs/img/chat.png, the chat page as the demos' test sees it
	go -C examples test -count=1 -run 'TestDemos/Chat$$' ./demo -args -screenshot $(CURDIR)/docs/img/chat.png

bench: bench-native bench-codec bench-browser ## every benchmark (docs/benchmarks.md says how to read them)

bench-native: ## native benchmarks: client against raw coder/websocket
	go test -run '^$$' -bench . -benchtime=2s ./client

bench-codec: ## codec benchmarks: each codec, what a codec.Conn adds, a Router call
	go test -run '^$$' -bench . -benchmem ./codec/...

# The browser benchmarks compare duplex with the page's own JavaScript and
# with coder/websocket's browser build in the same run; each -benchtime
# iteration is one interleaved round. They run in a cross-origin isolated
# page (bin/wasmrun), where performance.now() resolves 5 µs, not 100.
bench-browser: tools chrome ## browser benchmarks: duplex against the page's own JavaScript WebSocket and coder/websocket
	$(BIN)/wsharness run -- $(JSGO) test -exec=$(BIN)/wasmrun -run '^$$' -bench . -benchtime=5x ./wasm

# What a page downloads for the smallest program on package client,
# stripped and gzipped, against the budget of the client issue (720 KB,
# counted as KiB): docs/benchmarks.md.
SIZE_BUDGET := 737280
size: ## the gzipped wasm of a minimal echo program on client, against its 720 KB budget; the README's size table
	@mkdir -p $(BIN)
	@$(JSGO) build -ldflags='-s -w' -o $(BIN)/sizeprobe.wasm ./internal/sizeprobe
	@n=$$(gzip -9 -c $(BIN)/sizeprobe.wasm | wc -c); \
	echo "size: internal/sizeprobe: $$(stat -c %s $(BIN)/sizeprobe.wasm) bytes of wasm, $$n gzipped (-9); budget $(SIZE_BUDGET)"; \
	if [ $$n -gt $(SIZE_BUDGET) ]; then echo "size: over budget by $$((n - $(SIZE_BUDGET))) bytes"; exit 1; fi
	@scripts/size-table.sh --check README.md

# The README's size table: the smallest page, then + reconnect, +
# codec.JSON, + a Router, each gzipped as a server sends it.
size-table: ## print the README's size table, measured now
	@scripts/size-table.sh

# What each codec adds to that program: the same echo through a
# codec.Conn (JSON, CBOR, Marshaler) or a codec.Router.
CODEC_PROBES := codecjson codeccbor codecbinary codecrouter
size-codec: ## what each codec adds to the gzipped wasm of internal/sizeprobe
	@mkdir -p $(BIN)
	@$(JSGO) build -ldflags='-s -w' -o $(BIN)/sizeprobe.wasm ./internal/sizeprobe
	@base=$$(gzip -9 -c $(BIN)/sizeprobe.wasm | wc -c); echo "size-codec: internal/sizeprobe: $$base gzipped (-9)"; \
	for p in $(CODEC_PROBES); do \
		$(JSGO) build -ldflags='-s -w' -o $(BIN)/$$p.wasm ./internal/sizeprobe/$$p || exit 1; \
		n=$$(gzip -9 -c $(BIN)/$$p.wasm | wc -c); \
		echo "size-codec: $$p: $$n gzipped, +$$((n - base))"; \
	done

size-reconnect: ## what package reconnect adds to the gzipped wasm of internal/sizeprobe
	@mkdir -p $(BIN)
	@$(JSGO) build -ldflags='-s -w' -o $(BIN)/sizeprobe.wasm ./internal/sizeprobe
	@$(JSGO) build -ldflags='-s -w' -o $(BIN)/reconnect.wasm ./internal/sizeprobe/reconnect
	@base=$$(gzip -9 -c $(BIN)/sizeprobe.wasm | wc -c); n=$$(gzip -9 -c $(BIN)/reconnect.wasm | wc -c); \
	echo "size-reconnect: internal/sizeprobe: $$base gzipped (-9); on reconnect: $$n, +$$((n - base))"

# The reconnect soak in full: 1,000 forced drops (TCP cuts, close frames,
# the server's own cuts) while 4 writers send 10,000 numbered messages
# through the queue; it fails on any message lost from the queue, sent
# twice or out of order (docs/benchmarks.md). `make test` runs a shorter
# one (200 drops), natively and in Chrome.
soak: ## reconnect through 1,000 forced drops with 10,000 messages, natively (-race)
	go test -race -count=1 -run '^TestSoak$$' -v ./reconnect -args -soak

# The herd: 1,000 native reconnect.Conns on one harness, which restarts
# (every connection cut, its port closed for 2 s); the handshakes per
# 100 ms once it is back, and the time until all are, with each jitter
# (docs/benchmarks.md). Not part of `make test`: it is a measure.
herd: ## 1,000 reconnect.Conns through a restart of their server, natively, with and without jitter
	go test -run '^$$' -bench '^BenchmarkHerd$$' -benchtime=1x -timeout 10m ./reconnect

clean: ## remove bin/
	rm -rf $(BIN)
