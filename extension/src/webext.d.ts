/**
 * The small part of the WebExtension API this extension uses, typed by hand (the same on
 * Chromium and on Firefox's `chrome` namespace, promise-returning forms in MV3).
 */
declare namespace chrome {
  namespace runtime {
    interface MessageSender {
      tab?: tabs.Tab;
      frameId?: number;
      id?: string;
      url?: string;
      origin?: string;
      documentId?: string;
    }
    interface Port {
      name: string;
      sender?: MessageSender;
      /** Firefox puts a disconnect's reason here instead of runtime.lastError. */
      error?: { message?: string } | null;
      postMessage(message: unknown): void;
      disconnect(): void;
      onMessage: Event<(message: unknown, port: Port) => void>;
      onDisconnect: Event<(port: Port) => void>;
    }
    interface Event<T extends (...args: never[]) => unknown> {
      addListener(callback: T): void;
      removeListener(callback: T): void;
    }
    const id: string;
    const lastError: { message?: string } | undefined;
    function getURL(path: string): string;
    function connect(info?: { name?: string }): Port;
    function connectNative(application: string): Port;
    function sendMessage(message: unknown): Promise<unknown>;
    const onConnect: Event<(port: Port) => void>;
    const onMessage: Event<
      (message: unknown, sender: MessageSender, sendResponse: (response?: unknown) => void) => boolean | undefined | void
    >;
  }
  namespace tabs {
    interface Tab {
      id?: number;
      url?: string;
      active?: boolean;
    }
    function query(info: { active?: boolean; currentWindow?: boolean }): Promise<Tab[]>;
  }
  namespace storage {
    interface StorageArea {
      get(keys: string | string[]): Promise<Record<string, unknown>>;
      set(items: Record<string, unknown>): Promise<void>;
    }
    const local: StorageArea;
    const onChanged: runtime.Event<(changes: Record<string, { newValue?: unknown }>, area: string) => void>;
  }
}
