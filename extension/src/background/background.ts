/**
 * The background (a service worker on Chromium, an event page on Firefox): owns the native
 * host connection and serves the content scripts, the autofill menu frames and the popup.
 */
import { serveMenuPort } from './autofill-sessions';
import { NativeHost } from './native-host';
import { answerPopup, isPopupSender } from './popup-api';
import { serveContentPort } from './requests';
import { MENU_PORT_NAME, PORT_NAME } from '../shared/runtime-messages';

const host = new NativeHost((name) => chrome.runtime.connectNative(name));

chrome.runtime.onConnect.addListener((port) => {
  if (port.sender?.id !== chrome.runtime.id) {
    port.disconnect();
    return;
  }
  if (port.name === PORT_NAME) serveContentPort(port, host);
  else if (port.name === MENU_PORT_NAME) serveMenuPort(port, host);
  else port.disconnect();
});

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (!isPopupSender(sender)) return undefined;
  answerPopup(message, host).then(sendResponse, (e: unknown) => sendResponse({ error: String(e) }));
  return true; // answered asynchronously
});
