import * as pulumi from "@pulumi/pulumi";
import * as storage from "@pulumi/azure-native/storage";
import type * as inputs from "@pulumi/azure-native/types/input";
import { encodeSwitchRecord, type SwitchRecord } from "../../../domain/switchRecord";
import type { Foundation } from "./foundation";
import { nameAfter } from "./outputs";
import { CONTAINERS, type BackupStorage } from "./storage";

/*
 * The switch record on Azure. A switch must change no Container App: any change to an app's
 * `properties.template` starts a new revision, and even an application-scope change (a secret
 * value) reaches a running container only after a restart
 * (https://learn.microsoft.com/azure/container-apps/revisions, "Change types"). So the record is
 * a blob beside the apps, and a small sidecar in the proxy app and in each bot app keeps a copy
 * of it in a replica-scoped EmptyDir volume shared with the main container
 * (https://learn.microsoft.com/azure/container-apps/storage-mounts), in the same layout as on the
 * other targets (domain/switchRecord.ts): nginx and the bot read it exactly as they do there.
 *
 * The record is the blob's metadata, not its content. pulumi-azure-native replaces a Blob when
 * its `source` changes (WillReplaceOnChanges, a delete and a create, during which the blob would
 * not exist) but updates `metadata` in place with Set Blob Metadata
 * (provider/pkg/resources/customresources/custom_storage.go, newBlob and blob.update; see
 * cli/engine/replacements.json). Azure Storage is strongly consistent: "after the service performs
 * an insert or update operation, subsequent read or list operations return the latest update"
 * (https://learn.microsoft.com/azure/storage/blobs/concurrency-manage). So every sidecar reads
 * the new record on its first poll after `pulumi up` sets it: the propagation time is at most
 * one poll interval (AITB_SWITCH_POLL_SECONDS, 1 s) plus one request.
 */

/** Where the proxy's and the bots' containers see the record (the EmptyDir volume). */
export const SWITCH_RECORD_MOUNT = "/run/aitb/switch";
export const SWITCH_RECORD_VOLUME = "switch-record";
export const SWITCH_RECORD_BLOB = "switch-record";
/** The metadata key holding the record (metadata names are C# identifiers). */
export const RECORD_METADATA = "record";
/** Marks the blob's role, as tags and labels do elsewhere (metadata names cannot hold "-"). */
export const ROLE_METADATA = "aitb_role";
export const SWITCH_POLL_SECONDS = 1;

export function switchRecordBlob(
  args: {
    record: SwitchRecord;
    storage: BackupStorage;
    foundation: Foundation;
    dependsOn: pulumi.Resource[];
  },
  parent: pulumi.Resource,
): storage.Blob {
  return new storage.Blob(
    SWITCH_RECORD_BLOB,
    {
      resourceGroupName: args.foundation.resourceGroupName,
      accountName: args.storage.accountName,
      containerName: nameAfter(args.storage.containers[CONTAINERS.switch], CONTAINERS.switch),
      blobName: SWITCH_RECORD_BLOB,
      type: "Block",
      contentType: "text/plain",
      // Fixed content: a change of `source` would replace the blob. The record is the metadata.
      source: new pulumi.asset.StringAsset(
        "The AITB switch record is this blob's metadata (record).\n",
      ),
      metadata: {
        [RECORD_METADATA]: encodeSwitchRecord(args.record),
        [ROLE_METADATA]: "switch-record",
      },
    },
    { parent, dependsOn: args.dependsOn },
  );
}

/**
 * `write_record <json>`: the record written into $dir as domain/switchRecord.ts lays it out, in
 * POSIX sh with GNU `mv -T` (the official nginx image is Debian-based). The same steps as
 * components/platform/switchRecord.ts: a new generation, then one rename of a new link over
 * `current`; test/azure-proxy.test.ts runs it and reads the result as nginx and the bot do.
 */
export const WRITE_RECORD_SH = String.raw`
write_record() {
  body="$1"
  if [ -f "$dir/current/record.json" ] && [ "$(cat "$dir/current/record.json")" = "$body" ]; then return 0; fi
  case "$body" in
    *'"activeColor":"blue"'*) color=blue ;;
    *'"activeColor":"green"'*) color=green ;;
    *) echo "switch-record: the record names no color: $body" >&2; return 1 ;;
  esac
  previous=$(readlink "$dir/current" 2>/dev/null || true)
  gen="gen-$(date +%s%N)-$$"
  mkdir -m 755 "$dir/$gen" || return 1
  printf '%s\n' "$body" > "$dir/$gen/record.json" && : > "$dir/$gen/$color" || return 1
  ln -s "$gen" "$dir/.next-$gen" && mv -T "$dir/.next-$gen" "$dir/current" || return 1
  for old in "$dir"/gen-*; do
    name=$(basename "$old")
    [ "$name" = "$gen" ] || [ "$name" = "$previous" ] || rm -rf "$old"
  done
  echo "switch-record: now $color"
}
`;

/**
 * The sidecar's loop: a token for Azure Storage from the Container Apps identity endpoint
 * (IDENTITY_ENDPOINT and IDENTITY_HEADER, api-version 2019-08-01, client_id of the user-assigned
 * identity: https://learn.microsoft.com/azure/container-apps/managed-identity, "REST endpoint
 * reference"), then a HEAD of the blob every AITB_SWITCH_POLL_SECONDS; the x-ms-meta-record
 * header is the record. A failed read keeps the record it has: the bots and nginx go on with the
 * last one they saw, and a bot that cannot renew its lease stops trading live on its own.
 */
export const SWITCH_SYNC_SCRIPT = String.raw`
set -u
dir="$AITB_SWITCH_DIR"
mkdir -p "$dir"
${WRITE_RECORD_SH}
if ! command -v curl >/dev/null 2>&1; then
  echo "switch-record: curl is missing from the image; the sidecar runs in the proxy's (Debian-based) nginx image" >&2
  exit 1
fi
token=""
renew_at=0
while :; do
  now=$(date +%s)
  if [ "$now" -ge "$renew_at" ]; then
    answer=$(curl -fsS --max-time 5 -H "X-IDENTITY-HEADER: $IDENTITY_HEADER" \
      "$IDENTITY_ENDPOINT?api-version=2019-08-01&resource=https%3A%2F%2Fstorage.azure.com%2F&client_id=$AITB_IDENTITY_CLIENT_ID") || answer=""
    fresh=$(printf '%s' "$answer" | sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p')
    if [ -n "$fresh" ]; then token="$fresh"; renew_at=$((now + 600)); else echo "switch-record: no token from the identity endpoint" >&2; fi
  fi
  if [ -n "$token" ]; then
    record=$(curl -fsS --max-time 5 -I -H "Authorization: Bearer $token" -H "x-ms-version: 2021-08-06" \
      "$AITB_SWITCH_RECORD_URL" | tr -d '\r' | sed -n 's/^[Xx]-[Mm][Ss]-[Mm][Ee][Tt][Aa]-[Rr][Ee][Cc][Oo][Rr][Dd]: *//p')
    if [ -n "$record" ]; then write_record "$record" || true; else echo "switch-record: no record read from the blob" >&2; renew_at=0; fi
  fi
  sleep "$AITB_SWITCH_POLL_SECONDS"
done
`;

/** The sidecar container: the proxy's nginx image (pinned by digest) running the loop above. */
export function switchRecordSidecar(args: {
  image: string;
  blobUrl: string;
  clientId: pulumi.Input<string>;
}): inputs.app.ContainerArgs {
  return {
    name: "switch-record",
    image: args.image,
    command: ["/bin/sh", "-c", SWITCH_SYNC_SCRIPT],
    env: [
      { name: "AITB_SWITCH_DIR", value: SWITCH_RECORD_MOUNT },
      { name: "AITB_SWITCH_RECORD_URL", value: args.blobUrl },
      { name: "AITB_SWITCH_POLL_SECONDS", value: String(SWITCH_POLL_SECONDS) },
      { name: "AITB_IDENTITY_CLIENT_ID", value: args.clientId },
    ],
    resources: { cpu: 0.25, memory: "0.5Gi" },
    volumeMounts: [{ volumeName: SWITCH_RECORD_VOLUME, mountPath: SWITCH_RECORD_MOUNT }],
  };
}

export const switchRecordVolume: inputs.app.VolumeArgs = {
  name: SWITCH_RECORD_VOLUME,
  storageType: "EmptyDir",
};

/** The blob's URL, as the sidecar reads it. */
export function switchRecordUrl(storageAccount: BackupStorage): string {
  return `${storageAccount.blobEndpoint}/${CONTAINERS.switch}/${SWITCH_RECORD_BLOB}`;
}
