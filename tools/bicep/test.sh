#!/usr/bin/env bash
# Shows that tools/bicep/build.sh passes on infra/ as committed and fails on each kind of defect
# it exists to catch. Every case breaks a throwaway copy of infra/, never the real one.
#
#   tools/bicep/test.sh
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="$here/build.sh"

# Restore once and share the binary with every case (each build then takes ~3 s).
dotnet restore "$here/Bicep.proj" --nologo >/dev/null || { echo "error: restore failed" >&2; exit 1; }
BICEP="$(dotnet msbuild "$here/Bicep.proj" -nologo -getProperty:BicepPath)"
export BICEP

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
passed=0
failed=0

# run_case NAME EXPECTED_EXIT EXPECTED_OUTPUT_REGEX BUILD_ARGS... ; the copy to break is in $copy.
new_copy() {
  copy="$scratch/$1"
  cp -r "$repo/infra" "$copy"
}
# host_json_with JQ_FILTER: a copy of host.json changed by the filter, in $host_json.
host_json_with() {
  host_json="$copy/host.json"
  jq "$1" "$repo/host.json" >"$host_json"
}
run_case() {
  local name="$1" expected_exit="$2" expected_output="$3"
  shift 3
  local output status
  output="$("$build" --infra "$copy" "$@" 2>&1)"
  status=$?
  if [[ $status -eq $expected_exit ]] && grep -qE -- "$expected_output" <<<"$output"; then
    echo "PASS  $name"
    passed=$((passed + 1))
  else
    echo "FAIL  $name (exit $status, expected $expected_exit; output must match /$expected_output/)"
    sed 's/^/      /' <<<"$output"
    failed=$((failed + 1))
  fi
}

new_copy clean
run_case "infra/ as committed builds with no warnings (--strict)" 0 "0 error\(s\), 0 warning\(s\)" --strict

new_copy syntax
printf '\nresource broken {\n' >>"$copy/modules/storage.bicep"
run_case "a syntax error in a module fails the build and names the file" 1 "modules/storage.bicep\([0-9]+,[0-9]+\) : Error"

new_copy unknown-parameter
jq '.parameters.notDeclared = { "value": "x" }' "$copy/main.parameters.json" >"$copy/p.json" \
  && mv "$copy/p.json" "$copy/main.parameters.json"
run_case "a parameter main.bicep does not declare fails the check" 1 "parameter 'notDeclared' is not declared"

new_copy missing-parameter
jq 'del(.parameters.environmentName)' "$copy/main.parameters.json" >"$copy/p.json" \
  && mv "$copy/p.json" "$copy/main.parameters.json"
run_case "a required parameter without a value fails the check" 1 "required parameter 'environmentName'"

new_copy secret-value
jq '.parameters.principalId.value = "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc="' \
  "$copy/main.parameters.json" >"$copy/p.json" && mv "$copy/p.json" "$copy/main.parameters.json"
run_case "a key in the parameters file fails the check" 1 "'principalId' holds what looks like a secret"

new_copy list-keys
# The linter only flags keys in outputs; a key copied into a property must be caught by build.sh.
sed -i "s/publicAccess: 'None'/publicAccess: 'None'\n    metadata: { key: account.listKeys().keys[0].value }/" "$copy/modules/storage.bicep"
run_case "a template that reads keys fails the check and names the file" 1 "modules/storage.json: the template reads keys"

new_copy ftps-on-flex
sed -i "s/minTlsVersion: '1.2'/minTlsVersion: '1.2'\n      ftpsState: 'Disabled'/" "$copy/modules/functionapp.bicep"
run_case "ftpsState on a Flex Consumption site fails the check and names the site" 1 "modules/functionapp.json: site .* runs on Flex Consumption.*ftpsState"

new_copy training-role-on-host-storage
cat >>"$copy/modules/roles.bicep" <<'BICEP'

resource trainingHostBlobReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, trainingPrincipalId, roles.storageBlobDataReader)
  scope: hostStorage
  properties: {
    roleDefinitionId: roles.storageBlobDataReader
    principalId: trainingPrincipalId
    principalType: 'ServicePrincipal'
  }
}
BICEP
run_case "a role for the training identity on the host storage account fails the check" 1 "role assignment 'trainingHostBlobReader' gives the training identity a role on the Function App host's storage account"

new_copy training-role-on-data-account
sed -i 's/scope: dataStorage::blobs::jobData/scope: dataStorage/' "$copy/modules/roles.bicep"
run_case "a role for the training identity on a whole data account fails the check" 1 "role assignment 'trainingJobDataContributor' gives the training identity a role on a whole storage account"

new_copy missing-datastore
# Drop the datastore resource; its output then lists the names it was given.
perl -0pi -e "s/resource datastore 'Microsoft\.MachineLearningServices\/workspaces\/datastores\@[^']*' = \[.*?\n\]\n//s; s/\[for \(store, i\) in datastores: datastore\[i\]\.name\]/[for store in datastores: store.name]/" \
  "$copy/modules/machinelearning.bicep"
run_case "an Azure ML workspace without a datastore fails the check" 1 "modules/machinelearning.json: declares an Azure ML workspace but no datastore"

new_copy missing-data-uri-prefix
sed -i '/Serverless__Training__DataUriPrefix:/d' "$copy/main.bicep"
run_case "no Serverless__Training__DataUriPrefix app setting fails the check" 1 "no Serverless__Training__DataUriPrefix app setting"

new_copy shared-key-vault
sed -i 's/keyVaultId: machineLearningKeyVault.outputs.id/keyVaultId: hostKeyVault.outputs.id/' "$copy/main.bicep"
run_case "the host keys and the workspace in one Key Vault fails the check" 1 "the host keys and the Azure ML workspace share the Key Vault of module 'hostKeyVault'"

new_copy parallel-cosmos-role-assignments
perl -0pi -e 's/\n  dependsOn: \[\n    appCosmosContributor\n  \]//' "$copy/modules/roles.bicep"
run_case "Cosmos DB role assignments that run in parallel fail the check" 1 "modules/roles.json: Cosmos DB SQL role assignments appCosmosContributor, deployerCosmosContributor run in parallel"

new_copy low-max-instances
perl -0pi -e 's/\@minValue\(40\)/\@minValue(1)/' "$copy/modules/functionapp.bicep"
run_case "a Flex maximum instance count that may be under 40 fails the check" 1 "takes maximumInstanceCount from parameter 'maximumInstanceCount', which allows values under 40"

new_copy fixed-environment-version
sed -i "s/name: uniqueString(string(trainerEnvironmentProperties))/name: '1'/" "$copy/modules/machinelearning.bicep"
run_case "a fixed Azure ML environment version fails the check" 1 "environment version 'trainerEnvironmentVersion' has a fixed name"

new_copy any-location
perl -0pi -e 's/\@allowed\(\[\n  .australiaeast.*?\]\)\n//s' "$copy/main.bicep"
run_case "a location without the allowed Flex regions fails the check" 1 "parameter 'location' needs @allowed with the Flex Consumption regions"

new_copy principal-type-not-from-azd
jq 'del(.parameters.principalType)' "$copy/main.parameters.json" >"$copy/p.json" && mv "$copy/p.json" "$copy/main.parameters.json"
run_case "a principalType not taken from azd fails the check" 1 "principalType is not taken from azd"

new_copy slow-queue-polling
host_json_with '.extensions.durableTask.storageProvider.maxQueuePollingInterval = "00:00:30"'
run_case "a Durable queue polling interval over 10 s fails the check" 1 "maxQueuePollingInterval is 00:00:30; Flex Consumption needs 00:00:10 or less" --host-json "$host_json"

new_copy default-queue-polling
host_json_with 'del(.extensions.durableTask.storageProvider.maxQueuePollingInterval)'
run_case "host.json without a queue polling interval (default 30 s) fails the check" 1 "maxQueuePollingInterval is not set" --host-json "$host_json"

new_copy warning
# A property the resource type does not have is a warning (BCP037), not an error.
sed -i "s/isHnsEnabled: false/isHnsEnabled: false\n    notAProperty: true/" "$copy/modules/storage.bicep"
run_case "a linter warning is reported but passes without --strict" 0 "1 warning\(s\)"
run_case "a linter warning fails with --strict" 1 "--strict: 1 linter warning" --strict

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
