# The two commands a new machine needs (see README.md):
#   make run   set up, build, create the demo province if missing, serve it on :8080
#   make test  set up, build and run every test (also under ASan+UBSan)
.PHONY: run test build setup demo clean

BUILD ?= build
DATA ?= var/demo

run: build
	@[ -f $(DATA)/land.gpkg ] || ./$(BUILD)/lis demo --out $(DATA)
	@./$(BUILD)/lis migrate --data $(DATA) >/dev/null
	@echo "LIS is serving the demo province on http://127.0.0.1:8080"
	./$(BUILD)/lis serve --data $(DATA) --listen 127.0.0.1:8080

test:
	bash scripts/test

setup:
	bash scripts/setup

build: setup
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) -Dwerror=true
	ninja -C $(BUILD)
	npm run --silent build

demo: build
	./$(BUILD)/lis demo --out $(DATA) --force

clean:
	rm -rf $(BUILD) build-asan
