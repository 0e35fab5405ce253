#!/usr/bin/env bash
# Shows that the azd postprovision hook (publish-trainer.sh) publishes the trainer, uploads it under
# a content hash, sets Serverless__Training__TrainerUri and SERVERLESS_TRAINER_URI, does nothing
# twice, retries a refused upload, and names what is missing. dotnet, az and azd are replaced by
# stubs on PATH that record their arguments and keep the "cloud" in a folder.
#
#   tools/azd/test.sh
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
hook="$here/publish-trainer.sh"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
passed=0
failed=0

check() {
  local name="$1"; shift
  if "$@"; then echo "PASS  $name"; passed=$((passed + 1)); else echo "FAIL  $name"; failed=$((failed + 1)); fi
}

# --- stubs: $cloud holds blobs (as files), app settings, the azd environment and a call log ---------
stubs="$scratch/bin"
mkdir -p "$stubs"
cat >"$stubs/dotnet" <<'STUB'
#!/usr/bin/env bash
echo "dotnet $*" >>"$CLOUD/calls"
out=""; while [[ $# -gt 0 ]]; do [[ "$1" == "-o" ]] && out="$2"; shift; done
mkdir -p "$out" && printf '%s' "$TRAINER_BUILD" >"$out/serverless-trainer.dll" && printf '{}' >"$out/serverless-trainer.runtimeconfig.json"
STUB
cat >"$stubs/az" <<'STUB'
#!/usr/bin/env bash
echo "az $*" >>"$CLOUD/calls"
arg() { local key="$1"; shift; while [[ $# -gt 0 ]]; do [[ "$1" == "$key" ]] && { echo "$2"; return; }; shift; done; }
case "$1 $2 $3" in
  "storage blob exists") [[ -f "$CLOUD/blobs/$(arg --container-name "$@")/$(arg --name "$@")" ]] && echo true || echo false ;;
  "storage blob upload-batch")
    refusals="$(cat "$CLOUD/refusals" 2>/dev/null || echo 0)"
    if (( refusals > 0 )); then echo $((refusals - 1)) >"$CLOUD/refusals"; echo "AuthorizationPermissionMismatch" >&2; exit 1; fi
    target="$CLOUD/blobs/$(arg --destination "$@")/$(arg --destination-path "$@")"
    mkdir -p "$target" && cp -r "$(arg --source "$@")/." "$target/" ;;
  "storage blob upload")
    target="$CLOUD/blobs/$(arg --container-name "$@")/$(arg --name "$@")"
    mkdir -p "$(dirname "$target")" && cp "$(arg --file "$@")" "$target" ;;
  "functionapp config appsettings")
    case "$4" in
      list) cat "$CLOUD/trainer-uri-setting" 2>/dev/null || true ;;
      set) value="$(arg --settings "$@")"; printf '%s' "${value#*=}" >"$CLOUD/trainer-uri-setting" ;;
    esac ;;
  *) echo "unexpected az call: $*" >&2; exit 2 ;;
esac
STUB
cat >"$stubs/azd" <<'STUB'
#!/usr/bin/env bash
echo "azd $*" >>"$CLOUD/calls"
[[ "$1 $2" == "env set" ]] && echo "$3=$4" >>"$CLOUD/azd-env"
STUB
chmod +x "$stubs"/*

new_cloud() {
  export CLOUD="$scratch/$1"
  mkdir -p "$CLOUD/blobs"
  : >"$CLOUD/calls"
}
run_hook() {
  PATH="$stubs:$PATH" \
  AZURE_STORAGE_ACCOUNT_NAME=stdata AZURE_ML_TRAINER_CONTAINER=training AZURE_ML_TRAINER_DATASTORE=training \
  AZURE_RESOURCE_GROUP=rg-test AZURE_FUNCTION_APP_NAME=func-test SERVERLESS_TRAINER_RETRY_SECONDS=0 \
  "$@" bash "$hook" >"$CLOUD/out" 2>&1
}
count() { grep -c -- "$1" "$CLOUD/calls" || true; }
uri_pattern='azureml://datastores/training/paths/trainer/[0-9a-f]{16}/'

new_cloud first
export TRAINER_BUILD="build one"
run_hook env; status=$?
first_uri="$(cat "$CLOUD/trainer-uri-setting" 2>/dev/null)"
check "a first run publishes, uploads and sets the app setting" test $status -eq 0
check "  the TrainerUri is the trainer datastore and a content hash" grep -qE "^$uri_pattern\$" <<<"$first_uri"
check "  the trainer and its completion marker are in the container under that hash" \
  test -f "$CLOUD/blobs/training/${first_uri#azureml://datastores/training/paths/}serverless-trainer.dll" \
  -a -f "$CLOUD/blobs/training/${first_uri#azureml://datastores/training/paths/}.published"
check "  SERVERLESS_TRAINER_URI is saved for the next provision" grep -qx "SERVERLESS_TRAINER_URI=$first_uri" "$CLOUD/azd-env"
check "  dotnet publish ran on tools/Serverless.Trainer" grep -q "dotnet publish $repo/tools/Serverless.Trainer -c Release" "$CLOUD/calls"

: >"$CLOUD/calls"
run_hook env; status=$?
check "an unchanged trainer is neither uploaded again nor set again" \
  test $status -eq 0 -a "$(count 'upload-batch')" -eq 0 -a "$(count 'appsettings set')" -eq 0

export TRAINER_BUILD="build two"
run_hook env; status=$?
second_uri="$(cat "$CLOUD/trainer-uri-setting")"
check "a changed trainer gets a new folder and the setting moves to it" \
  test $status -eq 0 -a "$second_uri" != "$first_uri" -a -f "$CLOUD/blobs/training/${first_uri#azureml://datastores/training/paths/}serverless-trainer.dll"

new_cloud refused
echo 2 >"$CLOUD/refusals"
run_hook env; status=$?
check "an upload refused while a role assignment applies is retried until it passes" \
  test $status -eq 0 -a "$(count 'upload-batch')" -eq 3
check "  and says why it waits" grep -q "upload refused (attempt 1 of 10" "$CLOUD/out"

new_cloud refused-for-good
echo 99 >"$CLOUD/refusals"
run_hook env SERVERLESS_TRAINER_UPLOAD_ATTEMPTS=2; status=$?
check "an upload refused every time fails, names the role, and sets nothing" \
  test $status -ne 0 -a ! -f "$CLOUD/trainer-uri-setting" -a ! -f "$CLOUD/azd-env"
check "  the error names the role the principal needs" grep -q "needs Storage Blob Data Contributor" "$CLOUD/out"

new_cloud not-provisioned
run_hook env -u AZURE_ML_TRAINER_DATASTORE -u AZURE_FUNCTION_APP_NAME; status=$?
check "without the provision outputs the hook fails and names them" \
  test $status -ne 0 -a "$(count 'dotnet')" -eq 0
check "  the error names every missing variable" grep -q "has no AZURE_ML_TRAINER_DATASTORE AZURE_FUNCTION_APP_NAME" "$CLOUD/out"

check "azure.yaml runs the hook after provisioning" grep -q "run: bash ./tools/azd/publish-trainer.sh" "$repo/azure.yaml"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
