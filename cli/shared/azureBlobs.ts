import { commandLine } from "../../domain/quote";

/** One blob of the stack's storage account. */
export interface BlobRef {
  account: string;
  container: string;
  blob: string;
}

/** `az storage blob <verb>` of one blob and one local file, signed in as the operator. */
function blobCommand(verb: "download" | "upload", ref: BlobRef, file: string, more: string[]) {
  return commandLine([
    "az",
    "storage",
    "blob",
    verb,
    "--account-name",
    ref.account,
    "--container-name",
    ref.container,
    "--name",
    ref.blob,
    "--file",
    file,
    ...more,
    "--auth-mode",
    "login",
  ]);
}

/**
 * The download of one blob, as the operator runs it (Azure CLI `az storage blob download` with
 * `--account-name`, `--container-name`, `--name`, `--file` and `--auth-mode login`:
 * learn.microsoft.com/cli/azure/storage/blob#az-storage-blob-download). The commands that read
 * it take the downloaded file; the CLI holds no Azure credentials of its own.
 */
export function blobDownloadCommand(ref: BlobRef, file: string): string {
  return blobCommand("download", ref, file, []);
}

/**
 * The upload of one file as a blob that must not exist yet (`az storage blob upload ...
 * --overwrite false`: learn.microsoft.com/cli/azure/storage/blob#az-storage-blob-upload), so an
 * archive once written is never replaced; the forensic copies upload the same way.
 */
export function blobUploadCommand(ref: BlobRef, file: string): string {
  return blobCommand("upload", ref, file, ["--overwrite", "false"]);
}
