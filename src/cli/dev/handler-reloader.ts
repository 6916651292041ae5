import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { HandlerMap } from '../../core/handler.js';
import { loadHandlerModule } from '../handler-module.js';

/** What the reloader tells about reloads. */
export interface ReloadEvents {
  reloaded(path: string, types: string[]): void;
  failed(path: string, message: string): void;
}

/** Quiet time after the last change before reloading: editors write a file in several steps. */
const SETTLE_MS = 100;

/**
 * The handlers of `jobs dev`: the fixed ones plus those of the `--handlers` module, re-imported
 * whenever the file changes. Workers hold `handlers` itself and read it per job, so jobs started
 * after a reload run the new code without a restart; a module that fails to load leaves the
 * previous handlers in place. Only the module file is watched and re-imported: modules it
 * imports keep the version first loaded.
 */
export class HandlerReloader {
  /** The map the workers hold; its entries are replaced on each reload. */
  readonly handlers: HandlerMap = {};
  private version = 0;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    private readonly fixed: HandlerMap,
    private readonly modulePath: string | undefined,
    private readonly events: ReloadEvents,
    private readonly cwd = process.cwd(),
  ) {}

  /** Loads the module the first time; a missing or broken module is a UsageError. */
  async load(): Promise<void> {
    this.replace(this.modulePath === undefined ? {} : await loadHandlerModule(this.modulePath, this.cwd));
  }

  /** Starts watching the module's file (its directory, so a file replaced by an editor stays watched). */
  watch(): void {
    if (this.modulePath === undefined || this.watcher) return;
    const file = resolve(this.cwd, this.modulePath);
    this.watcher = watch(dirname(file), (_event, name) => {
      if (name !== basename(file)) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => (this.reloading = this.reloading.then(() => this.reload())), SETTLE_MS);
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
    await this.reloading;
  }

  private async reload(): Promise<void> {
    const path = this.modulePath;
    if (path === undefined) return;
    this.version += 1;
    try {
      const user = await loadHandlerModule(path, this.cwd, this.version);
      this.replace(user);
      this.events.reloaded(path, Object.keys(user).sort());
    } catch (error) {
      this.events.failed(path, error instanceof Error ? error.message : String(error));
    }
  }

  /** Swaps the entries in one synchronous step, so no job sees a half-replaced map. */
  private replace(user: HandlerMap): void {
    for (const type of Object.keys(this.handlers)) delete this.handlers[type];
    Object.assign(this.handlers, this.fixed, user);
  }
}
