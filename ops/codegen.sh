#!/usr/bin/env bash
# Writes Wolverine's generated code (the adapters of every message handler and HTTP endpoint) into
# src/Host/Internal/Generated, where a Release build compiles it and loads it (TypeLoadMode.Static):
# run it after changing a handler, an endpoint, a middleware or a service they use, and commit the
# result (README, "Generated code"). The tests fail while the committed files are out of date.
# Runs the host's own JasperFx command (`codegen delete`, then `codegen write`) from a Debug build,
# which generates at run time and leaves the committed files out of its compilation. No database
# is read: the connection string only has to be present.
set -euo pipefail
cd "$(dirname "$0")/../src/Host"
export ASPNETCORE_ENVIRONMENT=Development Auth__DevTokens=true
export ConnectionStrings__Postgres="Host=127.0.0.1;Port=1;Username=postgres;Database=none;Timeout=5"
dotnet build -c Debug -v q -nologo
dotnet run -c Debug --no-build -- codegen delete >/dev/null
dotnet run -c Debug --no-build -- codegen write | sed "s|$PWD/||"
