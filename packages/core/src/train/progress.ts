/** What every `pnpm train` command shows while it trains (DDPM, autoencoders, classifiers alike). */
import cliProgress from 'cli-progress';

/** A bar showing step/total, steps per second, the smoothed loss and the ETA; update it with `{ speed, loss }`. */
function trainingProgressBar(): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    { format: '{bar} {value}/{total} | {speed} steps/s | loss {loss} | ETA {eta_formatted}', etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
}

/**
 * The progress bar fed with a moving average of the loss, as each trainer's command shows it. The bar draws only on
 * a terminal (cli-progress writes to stderr); `note` writes a line only where the bar does not, so CI logs and
 * `nohup` runs still show progress without doubling it on a terminal.
 */
export class LossDisplay {
  /** Every step's loss of this run, in order. */
  readonly losses: number[] = [];
  private average: number | undefined;
  private readonly bar = trainingProgressBar();

  /**
   * @param log where lines go (the command's log)
   * @param keep the moving average's weight on its past value (0.98: about the last 50 steps)
   * @param digits decimals shown for the loss
   */
  constructor(private readonly log: (line: string) => void, private readonly keep: number, private readonly digits: number) {}

  start(total: number, start: number): void {
    this.bar.start(total, start, { speed: '-', loss: '-' });
  }

  /** Record one step's loss and move the bar. */
  step({ step, loss, seconds }: { step: number; loss: number; seconds: number }): void {
    this.losses.push(loss);
    this.average = this.average === undefined ? loss : this.keep * this.average + (1 - this.keep) * loss;
    this.bar.update(step, { speed: (1 / seconds).toFixed(2), loss: this.loss });
  }

  /** The moving average of the loss, formatted ('-' before the first step). */
  get loss(): string {
    return this.average === undefined ? '-' : this.average.toFixed(this.digits);
  }

  /** A progress line for logs, written only when no terminal shows the bar. */
  note(line: string): void {
    if (!process.stderr.isTTY) this.log(line);
  }

  stop(): void {
    this.bar.stop();
  }
}
