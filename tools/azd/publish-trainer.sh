#!/usr/bin/env bash
# azd postprovision hook (azure.yaml): publishes tools/Serverless.Trainer, uploads it to the trainer
# container of the data account under trainer/<hash>/, and points the Function App's
# Serverless__Training__TrainerUri at it, so Azure ML jobs find the trainer with no manual step.
#
#   tools/azd/publish-trainer.sh          (azd runs it after every `azd provision` / `azd up`)
#
# <hash> is a SHA-256 over the published files, so an unchanged trainer is neither uploaded again nor
# given a new URI, and a job keeps reading the build it started with while a newer one is published.
# The URI is also saved in the azd environment (SERVERLESS_TRAINER_URI), which main.parameters.json
# passes back to main.bicep, so the next provision keeps the setting instead of dropping it.
#
# Reads the azd environment (the outputs of infra/main.bicep): AZURE_STORAGE_ACCOUNT_NAME,
# AZURE_ML_TRAINER_CONTAINER, AZURE_ML_TRAINER_DATASTORE, AZURE_RESOURCE_GROUP,
# AZURE_FUNCTION_APP_NAME. Needs dotnet, az (signed in: `az login`) and azd. The signed-in principal
# uploads with Entra ID; main.bicep grants it Storage Blob Data Contributor on the data account
# (principalId). A new role assignment can take minutes to apply, so a refused upload is retried.
#
#   SERVERLESS_TRAINER_UPLOAD_ATTEMPTS  uploads tried before giving up (default 10)
#   SERVERLESS_TRAINER_RETRY_SECONDS    wait between them (default 30)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
attempts="${SERVERLESS_TRAINER_UPLOAD_ATTEMPTS:-10}"
retry_seconds="${SERVERLESS_TRAINER_RETRY_SECONDS:-30}"
setting="Serverless__Training__TrainerUri"

fail() { echo "publish-trainer: $*" >&2; exit 1; }

missing=()
for name in AZURE_STORAGE_ACCOUNT_NAME AZURE_ML_TRAINER_CONTAINER AZURE_ML_TRAINER_DATASTORE AZURE_RESOURCE_GROUP AZURE_FUNCTION_APP_NAME; do
  [[ -n "${!name:-}" ]] || missing+=("$name")
done
[[ ${#missing[@]} -eq 0 ]] || fail "the azd environment has no ${missing[*]}; run \`azd provision\` first (they are outputs of infra/main.bicep)"
for tool in dotnet az azd; do
  command -v "$tool" >/dev/null || fail "'$tool' is not on PATH"
done

account="$AZURE_STORAGE_ACCOUNT_NAME"
container="$AZURE_ML_TRAINER_CONTAINER"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "publish-trainer: dotnet publish tools/Serverless.Trainer"
# Framework-dependent for the job image's runtime (linux-x64): only that platform's native libraries
# (about 40 MB instead of 200 MB for every platform), run as `dotnet serverless-trainer.dll`.
dotnet publish "$repo/tools/Serverless.Trainer" -c Release -r linux-x64 --self-contained false -o "$work/trainer" \
  --nologo -v quiet -p:UseAppHost=false >"$work/publish.log" 2>&1 \
  || { cat "$work/publish.log" >&2; fail "dotnet publish tools/Serverless.Trainer failed"; }
[[ -f "$work/trainer/serverless-trainer.dll" ]] || fail "the published trainer has no serverless-trainer.dll"

# Content hash of the published folder: every file's path and SHA-256, in a fixed order.
hash="$(cd "$work/trainer" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
path="trainer/$hash"
uri="azureml://datastores/$AZURE_ML_TRAINER_DATASTORE/paths/$path/"
# Written last, so a folder without it is an interrupted upload, never taken as complete.
marker="$path/.published"

exists="$(az storage blob exists --auth-mode login --account-name "$account" --container-name "$container" \
  --name "$marker" --query exists -o tsv 2>/dev/null || echo false)"
if [[ "$exists" == "true" ]]; then
  echo "publish-trainer: $path is already in $account/$container"
else
  echo "publish-trainer: uploading to $account/$container/$path"
  printf '{"hash":"%s","uri":"%s"}\n' "$hash" "$uri" >"$work/published.json"
  for ((attempt = 1; ; attempt++)); do
    if az storage blob upload-batch --auth-mode login --account-name "$account" --destination "$container" \
         --destination-path "$path" --source "$work/trainer" --overwrite --only-show-errors -o none 2>"$work/upload.err" \
       && az storage blob upload --auth-mode login --account-name "$account" --container-name "$container" \
         --name "$marker" --file "$work/published.json" --overwrite --only-show-errors -o none 2>>"$work/upload.err"; then
      break
    fi
    if (( attempt >= attempts )); then
      cat "$work/upload.err" >&2
      fail "uploading to $account/$container failed $attempts times; the signed-in principal needs Storage Blob Data Contributor on the account (set AZURE_PRINCIPAL_ID and run \`azd provision\`)"
    fi
    echo "publish-trainer: upload refused (attempt $attempt of $attempts; a new role assignment can take minutes), retrying in ${retry_seconds}s" >&2
    sleep "$retry_seconds"
  done
fi

azd env set SERVERLESS_TRAINER_URI "$uri" >/dev/null
current="$(az functionapp config appsettings list --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" \
  --query "[?name=='$setting'].value | [0]" -o tsv)"
if [[ "$current" == "$uri" ]]; then
  echo "publish-trainer: $setting is already $uri"
else
  az functionapp config appsettings set --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" \
    --settings "$setting=$uri" --only-show-errors -o none
  echo "publish-trainer: $setting = $uri"
fi
