// Hash routes: enough for a handful of pages without a router dependency, and reload-safe.

import { useEffect, useState } from 'react';

export type Route =
  | { page: 'queue' }
  | { page: 'alarm'; id: string }
  | { page: 'devices' }
  | { page: 'device'; id: string }
  | { page: 'register' }
  | { page: 'overview' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [head, id] = parts;
  if (head === 'alarm' && id) return { page: 'alarm', id };
  if (head === 'devices' && id === 'new') return { page: 'register' };
  if (head === 'devices' && id) return { page: 'device', id };
  if (head === 'devices') return { page: 'devices' };
  if (head === 'overview') return { page: 'overview' };
  return { page: 'queue' };
}

export function hrefOf(route: Route): string {
  switch (route.page) {
    case 'queue':
      return '#/';
    case 'alarm':
      return `#/alarm/${encodeURIComponent(route.id)}`;
    case 'devices':
      return '#/devices';
    case 'device':
      return `#/devices/${encodeURIComponent(route.id)}`;
    case 'register':
      return '#/devices/new';
    case 'overview':
      return '#/overview';
  }
}

export function navigate(route: Route): void {
  location.hash = hrefOf(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return route;
}
