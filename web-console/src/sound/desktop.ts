// Desktop notifications (Notification API) for alarms that arrive while the console's tab is
// hidden: the chime may not be heard from another room, a notification is seen on the desktop.

/** Asks once, from a click (browsers ignore the request otherwise). */
export function askForNotifications(): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'default') return;
  void Notification.requestPermission().catch(() => {});
}

/** Shows a notification when the tab is hidden and the operator allowed them; returns whether it did. */
export function notifyHidden(title: string, body: string, tag: string): boolean {
  if (typeof document === 'undefined' || document.visibilityState !== 'hidden') return false;
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return false;
  const n = new Notification(title, { body, tag, requireInteraction: true });
  n.onclick = () => {
    window.focus();
    n.close();
  };
  return true;
}
