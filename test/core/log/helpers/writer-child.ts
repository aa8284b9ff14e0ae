/**
 * Child process for the SummaryWriter signal tests: logs `count` scalars (never flushing by itself), prints "ready",
 * then either waits to be killed (`wait`) or returns from main without closing the writer (`exit`).
 * Usage: writer-child.ts LOG_DIR COUNT wait|exit
 */
import { SummaryWriter } from '../../../../src/core/log/tfevents.ts';

const [logDir, countArg, mode] = process.argv.slice(2);
const writer = new SummaryWriter(logDir, { flushSeconds: 3600 });
for (let step = 0; step < Number(countArg); step++) writer.scalar('loss', 1 / (step + 1), step);
process.stdout.write('ready\n');
if (mode === 'wait') setInterval(() => {}, 1000);
