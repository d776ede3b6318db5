# The README's two commands are `make run` and `make test`.
.PHONY: run run-llm test bench bench-cold build lambdas table fmt lint openapi

run: ## Serve the API at http://127.0.0.1:3000 on the embedded store.
	cargo run --release -p local-api

run-llm: ## Opt-in: local-api drafting replies with a real small model (llama.cpp server + SmolLM2-135M from PyPI).
	bash functions/local-api/llm/run.sh

test: ## Everything CI runs.
	bash .ci/test.sh

bench: ## Load benchmark of local-api beside a bare axum handler (installs wrk), DynamoDB capacity, Lambda cold start.
	bash functions/local-api/bench/run.sh

bench-cold: ## Only the Lambda cold-start part of `make bench`.
	bash functions/local-api/bench/cold_start.sh

build: ## sam build: every Lambda for arm64 via cargo-lambda (installs aws-sam-cli, cargo-lambda, ziglang into .tools/venv).
	bash .ci/sam-build.sh

# sam build runs `make build-<LogicalId>` for each function (BuildMethod:
# makefile, build_in_source in samconfig.toml): the first builds every Lambda
# binary in one cargo-lambda invocation (one dependency graph, one target
# dir), the others find it fresh and only copy their bootstrap.
# LAMBDAS: each function's logical id in template.yaml = its binary.
LAMBDAS := CustomersFunction=crm-customers ContextFunction=crm-context LogFunction=crm-log MessagesFunction=crm-messages ConversationsFunction=crm-conversations IngestFunction=crm-ingest ReplyWorkerFunction=crm-reply-worker SenderFunction=crm-sender
binary_of = $(patsubst $(1)=%,%,$(filter $(1)=%,$(LAMBDAS)))

lambdas: ## Every Lambda binary, profile deploy (Cargo.toml), arm64 (cargo-lambda + zig), into target/lambda/<binary>/bootstrap.
	cargo lambda build --profile deploy --arm64 $(foreach l,$(LAMBDAS),--bin $(lastword $(subst =, ,$(l))))

$(foreach l,$(LAMBDAS),build-$(firstword $(subst =, ,$(l)))): build-%: lambdas
	cp target/lambda/$(call binary_of,$*)/bootstrap "$(ARTIFACTS_DIR)/bootstrap"

table: ## Create the table on DynamoDB (or the emulator at AWS_ENDPOINT_URL_DYNAMODB) from template.yaml.
	cargo run -q -p crm-store-dynamodb --bin create-table -- --template template.yaml --table $${TABLE_NAME:-crm}

fmt:
	cargo fmt --all

lint:
	cargo clippy --workspace --all-targets -- -D warnings

openapi: ## Regenerate docs/openapi.json from the code.
	UPDATE_OPENAPI=1 cargo test -q -p local-api --test openapi
