#!/usr/bin/env bash
# Compiles every Bicep file under infra/ offline and checks the azd parameters file.
#
#   tools/bicep/build.sh [--strict] [--infra DIR] [--host-json FILE]
#
#   --strict          linter warnings fail the build too (errors always do)
#   --infra DIR       check another copy of infra/ (tools/bicep/test.sh uses this)
#   --host-json FILE  check another copy of host.json
#
#   BICEP=/path/to/bicep uses that binary instead of restoring the package.
#
# The Bicep CLI comes from the Azure.Bicep.CommandLine.linux-x64 NuGet package, restored through
# tools/bicep/Bicep.proj with the version pinned in Directory.Packages.props. That project is not
# in Serverless.sln and is never built; the package's own props define BicepPath.
#
# Checks, in order; the script exits non-zero if any fails:
#   1. every .bicep file compiles (the bicepconfig.json linter rules apply);
#   2. main.parameters.json names only parameters main.bicep declares, and every parameter
#      without a default value;
#   3. no secrets: parameter values are azd substitutions or plain settings, never keys or
#      connection strings, and the compiled templates never read keys (list*Keys) from a resource;
#   4. deployment traps and least privilege, read from the compiled templates:
#      - a Flex Consumption site (one with functionAppConfig) sets no siteConfig.ftpsState, which
#        Flex does not support;
#      - the training identity (a role assignment whose principalId is the trainingPrincipalId
#        parameter) holds storage roles on single blob containers only: never on a whole storage
#        account, and nothing on the Function App host's account (hostStorageAccountName);
#      - a template that declares an Azure ML workspace also declares a datastore, and main.bicep
#        sets Serverless__Training__DataUriPrefix, so jobs can reach their data;
#      - the host keys (AzureWebJobsSecretStorageKeyVaultUri) and the workspace (keyVaultId) use
#        different Key Vault modules, so the host's Secrets Officer role cannot reach the workspace's secrets;
#      - re-provisioning traps: Cosmos DB SQL role assignments of one template are chained (dependsOn),
#        since Cosmos refuses concurrent ones (412); a Flex site's maximumInstanceCount cannot be set
#        under 40; an Azure ML environment version's name is derived (uniqueString) from its content,
#        since registered versions are immutable; `location` offers only allowed regions and carries
#        azd's location metadata; principalType comes from azd (AZURE_PRINCIPAL_TYPE);
#   5. host.json, which the Function App runs with: Durable Functions' Azure Storage provider polls
#      its queues at most 10 s apart (storageProvider.maxQueuePollingInterval), as Flex Consumption
#      needs to notice work in time.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
infra="$repo/infra"
host_json="$repo/host.json"
strict=0

while [[ $# -gt 0 ]]; do
  case "$1" in
    --strict) strict=1; shift ;;
    --infra) infra="$(cd "$2" && pwd)"; shift 2 ;;
    --host-json) host_json="$(realpath "$2")"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "build.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

fail() { echo "error: $*" >&2; exit 1; }

[[ -n "${BICEP:-}" ]] || command -v dotnet >/dev/null || fail "dotnet is required to restore the Bicep CLI package"
command -v jq >/dev/null || fail "jq is required to check main.parameters.json (apt-get install jq)"
[[ -f "$infra/main.bicep" ]] || fail "$infra/main.bicep not found"

# --- 1. Restore the compiler and find it -----------------------------------------------------------
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

bicep="${BICEP:-}"
if [[ -z "$bicep" ]]; then
  if ! dotnet restore "$here/Bicep.proj" --nologo >"$work/restore.log" 2>&1; then
    cat "$work/restore.log" >&2
    fail "restoring Azure.Bicep.CommandLine.linux-x64 failed (tools/bicep/Bicep.proj)"
  fi
  bicep="$(dotnet msbuild "$here/Bicep.proj" -nologo -getProperty:BicepPath)"
fi
[[ -f "$bicep" ]] || fail "no bicep binary at '$bicep'"
bicep="$(realpath "$bicep")"
# NuGet does not keep the executable bit on every extraction.
[[ -x "$bicep" ]] || chmod +x "$bicep"
# Bicep is a .NET single-file app: without ICU it must run in invariant globalization mode.
if ! ldconfig -p 2>/dev/null | grep -q 'libicuuc\.so'; then
  export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
fi
echo "$("$bicep" --version) at $bicep"

# --- 2. Compile every file -------------------------------------------------------------------------
mapfile -t files < <(cd "$infra" && find . -name '*.bicep' -not -path './.*' | sed 's|^\./||' | sort)
[[ ${#files[@]} -gt 0 ]] || fail "no .bicep files under $infra"

build_log="$work/build.log"
build_status=0
# One process for all files (--pattern) keeps the run at a few seconds; --no-restore because
# registry modules cannot be fetched offline and none are used.
(cd "$infra" && "$bicep" build --pattern '**/*.bicep' --outdir "$work/out" --no-restore) >"$build_log" 2>&1 \
  || build_status=$?
# A module's diagnostics are reported for the module and again for main.bicep: count each once.
diagnostics="$work/diagnostics.log"
grep -E ' : (Error|Warning) ' "$build_log" | sort -u >"$diagnostics" || true
grep -vE ' : (Error|Warning) ' "$build_log" || true
cat "$diagnostics"

errors="$(grep -c ' : Error ' "$diagnostics" || true)"
warnings="$(grep -c ' : Warning ' "$diagnostics" || true)"
echo "Built ${#files[@]} files: ${files[*]}"
echo "Diagnostics: $errors error(s), $warnings warning(s)"
if [[ $build_status -ne 0 || $errors -gt 0 ]]; then
  fail "Bicep build failed (exit code $build_status)"
fi
if [[ $strict -eq 1 && $warnings -gt 0 ]]; then
  fail "--strict: $warnings linter warning(s)"
fi
for f in "${files[@]}"; do
  [[ -f "$work/out/${f%.bicep}.json" ]] || fail "no ARM template was produced for infra/$f"
done

# --- 3. Parameters file against main.bicep ---------------------------------------------------------
template="$work/out/main.json"
parameters="$infra/main.parameters.json"
[[ -f "$parameters" ]] || fail "$parameters not found"
jq -e '.parameters | type == "object"' "$parameters" >/dev/null 2>&1 \
  || fail "main.parameters.json: not valid JSON with a \"parameters\" object"

problems=0
while IFS= read -r name; do
  echo "error: main.parameters.json: parameter '$name' is not declared in main.bicep" >&2
  problems=$((problems + 1))
done < <(jq -r --slurpfile t "$template" \
  '.parameters | keys[] | select(. as $n | $t[0].parameters | has($n) | not)' "$parameters")

while IFS= read -r name; do
  echo "error: main.parameters.json: required parameter '$name' of main.bicep has no value" >&2
  problems=$((problems + 1))
done < <(jq -r --slurpfile p "$parameters" \
  '.parameters | to_entries[] | select(.value | has("defaultValue") | not) | .key
   | select(. as $n | $p[0].parameters | has($n) | not)' "$template")

while IFS=$'\t' read -r name value; do
  echo "error: main.parameters.json: parameter '$name' holds what looks like a secret ($value...)" >&2
  problems=$((problems + 1))
done < <(jq -r '.parameters | to_entries[]
   | select((.value.value | tostring) | test("AccountKey=|SharedAccessKey=|[?&]sig=|Password=|-----BEGIN"; "i"))
   | [.key, (.value.value | tostring | .[0:12])] | @tsv' "$parameters")

while IFS= read -r f; do
  echo "error: ${f#"$work/out/"}: the template reads keys or connection strings from a resource" >&2
  problems=$((problems + 1))
done < <(grep -lE "list(Keys|ConnectionStrings|AccountSas|ServiceSas)\(" -r "$work/out" || true)

[[ $problems -eq 0 ]] || fail "$problems problem(s) in the parameters or templates"
echo "main.parameters.json: $(jq '.parameters | length' "$parameters") parameters, all declared in main.bicep; every required parameter has a value"

# --- 4. Deployment traps and least privilege -------------------------------------------------------
# Each compiled file's own top-level resources (symbolic-name object or array), with their symbolic
# name, or their name expression when the file has none; a module's resources are checked in the
# module's own file.
top_level='(.resources // []) | if type == "object" then to_entries | map(.value + {symbol: .key}) else map(. + {symbol: .name}) end | .[]'

while IFS= read -r f; do
  rel="${f#"$work/out/"}"
  while IFS= read -r symbol; do
    echo "error: $rel: site '$symbol' runs on Flex Consumption (functionAppConfig) and sets siteConfig.ftpsState, which Flex does not support" >&2
    problems=$((problems + 1))
  done < <(jq -r "$top_level | select(.type == \"Microsoft.Web/sites\" and .properties.functionAppConfig != null
      and (.properties.siteConfig // {} | has(\"ftpsState\"))) | .symbol" "$f")

  while IFS=$'\t' read -r symbol scope; do
    echo "error: $rel: role assignment '$symbol' gives the training identity a role on $scope; it may hold storage roles on single data containers only" >&2
    problems=$((problems + 1))
  done < <(jq -r "$top_level | select(.type == \"Microsoft.Authorization/roleAssignments\"
      and ((.properties.principalId // \"\") | tostring | test(\"trainingPrincipalId\")))
    | (.scope // \"the resource group\" | tostring) as \$scope
    | select((\$scope | test(\"hostStorageAccountName\"))
        or ((\$scope | test(\"Microsoft.Storage/storageAccounts\")) and (\$scope | test(\"/containers\") | not)))
    | [.symbol, (if (\$scope | test(\"hostStorageAccountName\")) then \"the Function App host's storage account (\" + \$scope + \")\"
                 else \"a whole storage account (\" + \$scope + \")\" end)] | @tsv" "$f")
done < <(find "$work/out" -name '*.json' | sort)

declares() { jq -e --arg t "$1" "[$top_level | select(.type == \$t and .existing != true)] | length > 0" "$2" >/dev/null; }
workspace_files=()
datastore_files=()
mapfile -t compiled < <(find "$work/out" -name '*.json' | sort)
for f in "${compiled[@]}"; do
  declares "Microsoft.MachineLearningServices/workspaces" "$f" && workspace_files+=("${f#"$work/out/"}")
  declares "Microsoft.MachineLearningServices/workspaces/datastores" "$f" && datastore_files+=("${f#"$work/out/"}")
done
if [[ ${#workspace_files[@]} -gt 0 ]]; then
  if [[ ${#datastore_files[@]} -eq 0 ]]; then
    echo "error: ${workspace_files[*]}: declares an Azure ML workspace but no datastore (Microsoft.MachineLearningServices/workspaces/datastores); training jobs reach their data through one" >&2
    problems=$((problems + 1))
  fi
  if ! grep -q 'Serverless__Training__DataUriPrefix' "$template"; then
    echo "error: main.json: no Serverless__Training__DataUriPrefix app setting; training jobs cannot reach the app's blobs without it" >&2
    problems=$((problems + 1))
  fi
  # Which module each vault comes from, as main.json references them: reference('<module>').outputs...
  module_of() { sed -n "s/.*$1[^[]*reference('\([^']*\)').*/\1/p" | head -n 1; }
  host_vault="$(grep -o "'AzureWebJobsSecretStorageKeyVaultUri', reference('[^']*')" "$template" | module_of "KeyVaultUri'")"
  workspace_vault="$(jq -r '[.. | objects | select(has("keyVaultId")) | .keyVaultId.value? // empty | strings] | .[0] // empty' "$template" | module_of "")"
  if [[ -z "$host_vault" || -z "$workspace_vault" ]]; then
    echo "error: main.json: cannot tell which Key Vault holds the host keys ('${host_vault}') and which the workspace uses ('${workspace_vault}')" >&2
    problems=$((problems + 1))
  elif [[ "$host_vault" == "$workspace_vault" ]]; then
    echo "error: main.json: the host keys and the Azure ML workspace share the Key Vault of module '$host_vault'; the app's Secrets Officer role would reach the workspace's secrets" >&2
    problems=$((problems + 1))
  fi
fi

# Re-provisioning traps, per compiled file ($top is the list of its own top-level resources).
read -r -d '' traps <<'JQ' || true
($top | map(select(.type == "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments" and .existing != true))) as $assignments
| ($assignments | map(.symbol)) as $symbols
| ($assignments | map(select(any(.dependsOn[]?; tostring | . as $d | ($symbols | index($d)) != null or test("sqlRoleAssignments"))))) as $chained
| (if ($assignments | length) > 1 and ($chained | length) < ($assignments | length) - 1
   then "Cosmos DB SQL role assignments \($symbols | join(", ")) run in parallel; Cosmos DB refuses concurrent ones (412), so chain them with dependsOn"
   else empty end),
  ($top[] | select(.type == "Microsoft.Web/sites" and .properties.functionAppConfig != null)
   | .symbol as $site | .properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount as $max
   | if ($max | type) == "number" then
       (if $max < 40 then "site '\($site)' has maximumInstanceCount \($max); Flex Consumption needs 40 or more" else empty end)
     elif ($max | type) == "string" and ($max | test("^\\[parameters\\('[^']+'\\)\\]$")) then
       ($max | capture("parameters\\('(?<p>[^']+)'\\)").p) as $p
       | (if ($params[$p].minValue // 0) < 40
          then "site '\($site)' takes maximumInstanceCount from parameter '\($p)', which allows values under 40 (minValue \($params[$p].minValue // "none")); Flex Consumption needs 40 or more"
          else empty end)
     else empty end),
  ($top[] | select(.type == "Microsoft.MachineLearningServices/workspaces/environments/versions" and .existing != true)
   | select(.name | tostring | test("uniqueString\\(|guid\\(") | not)
   | "environment version '\(.symbol)' has a fixed name; registered versions are immutable, so derive the name from the version's content with uniqueString(...)")
JQ
for f in "${compiled[@]}"; do
  rel="${f#"$work/out/"}"
  while IFS= read -r message; do
    echo "error: $rel: $message" >&2
    problems=$((problems + 1))
  done < <(jq -r "[$top_level] as \$top | (.parameters // {}) as \$params | $traps" "$f")
done

if ! jq -e '.parameters.location | (.allowedValues | length > 0) and .metadata.azd.type == "location"' "$template" >/dev/null; then
  echo "error: main.json: parameter 'location' needs @allowed with the Flex Consumption regions and @metadata({ azd: { type: 'location' } }), so azd offers only regions where the app can run" >&2
  problems=$((problems + 1))
fi
if jq -e '.parameters | has("principalType")' "$template" >/dev/null \
   && ! jq -e '.parameters.principalType.value // "" | test("^\\$\\{AZURE_PRINCIPAL_TYPE")' "$parameters" >/dev/null; then
  echo "error: main.parameters.json: principalType is not taken from azd (\${AZURE_PRINCIPAL_TYPE=User}); a service principal running azd would be sent as a User" >&2
  problems=$((problems + 1))
fi

# --- 5. host.json ---------------------------------------------------------------------------------
[[ -f "$host_json" ]] || fail "$host_json not found"
polling="$(jq -r '.extensions.durableTask.storageProvider.maxQueuePollingInterval // empty' "$host_json" 2>/dev/null)" \
  || fail "$host_json: not valid JSON"
# hh:mm:ss[.fff] or d.hh:mm:ss, as host.json writes TimeSpan values.
if [[ -z "$polling" ]]; then
  echo "error: host.json: extensions.durableTask.storageProvider.maxQueuePollingInterval is not set (default 30 s); Flex Consumption needs 00:00:10 or less" >&2
  problems=$((problems + 1))
elif ! seconds="$(awk -F: -v t="$polling" 'BEGIN { if (t !~ /^([0-9]+\.)?[0-9]+:[0-9]+:[0-9]+(\.[0-9]+)?$/) exit 1
    n = split(t, p, ":"); d = 0; h = p[1]; if (h ~ /\./) { split(h, dh, "."); d = dh[1]; h = dh[2] }
    printf "%.3f", ((d * 24 + h) * 60 + p[2]) * 60 + p[3] }')"; then
  echo "error: host.json: maxQueuePollingInterval '$polling' is not a duration (hh:mm:ss)" >&2
  problems=$((problems + 1))
elif awk -v s="$seconds" 'BEGIN { exit !(s > 10) }'; then
  echo "error: host.json: maxQueuePollingInterval is $polling; Flex Consumption needs 00:00:10 or less" >&2
  problems=$((problems + 1))
fi

[[ $problems -eq 0 ]] || fail "$problems problem(s) in the templates or host.json"
echo "host.json: Durable Functions polls its queues at most $polling apart"
echo "Checks passed: no ftpsState on Flex, training identity scoped to data containers, datastore declared (${datastore_files[*]:-none needed}), host keys in a vault of their own (${host_vault:-none})"
echo "Bicep build passed."
