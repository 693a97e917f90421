/** The command-line trainers' progress bar (`pnpm train`, DDPM and autoencoders alike). */
import cliProgress from 'cli-progress';

/** A bar showing step/total, steps per second, the smoothed loss and the ETA; update it with `{ speed, loss }`. */
export function trainingProgressBar(): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    { format: '{bar} {value}/{total} | {speed} steps/s | loss {loss} | ETA {eta_formatted}', etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
}
