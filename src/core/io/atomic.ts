/**
 * Atomic file writes: a reader (or a resumed run) sees either the old file or the complete new one, never a torn
 * write. The data goes to a temporary file in the same directory (so `rename` stays on one filesystem), is fsynced,
 * and is renamed over the target; the directory is then fsynced so the rename itself survives a crash.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

let counter = 0;

/**
 * Writes `data` to `filePath` atomically, creating the parent directory if needed.
 * @param filePath destination path
 * @param data bytes, or a string written as UTF-8
 */
export function writeFileAtomic(filePath: string, data: Uint8Array | string): void {
  const dir = path.dirname(path.resolve(filePath));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(filePath)}.${process.pid}.${counter++}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, filePath);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dir);
}

/** Fsyncs a directory so a rename inside it is durable; a no-op where directories cannot be opened (Windows). */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms/filesystems refuse to open or fsync a directory; the file itself is already durable.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
