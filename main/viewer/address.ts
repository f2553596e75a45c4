// Where a browser on this machine reaches the viewer, from the address omv serve listens on: the
// URL to print, and the Host header values to answer (anything else is DNS rebinding).
import { isLoopbackHost } from '../net/access.js';

export interface ViewerAddress {
  /** What the printed viewer URL starts with, e.g. http://127.0.0.2:8420. */
  origin: string;
  /** Host header values the viewer answers to. */
  hosts: string[];
}

/** Addresses that listen on every interface, loopback among them. */
const EVERY_INTERFACE = new Set(['0.0.0.0', '::', '']);

/**
 * The viewer's address for a listener on `listenHost`, or null when no loopback peer can reach it
 * (a LAN address: the viewer answers this machine's loopback only, and a peer connecting to a LAN
 * address is not on loopback).
 */
export function viewerAddress(listenHost: string, port: number): ViewerAddress | null {
  const loopback = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  if (EVERY_INTERFACE.has(listenHost)) return { origin: `http://127.0.0.1:${port}`, hosts: loopback };
  if (!isLoopbackHost(listenHost)) return null;
  const own = `${listenHost.includes(':') ? `[${listenHost}]` : listenHost}:${port}`;
  return { origin: `http://${own}`, hosts: [own, ...loopback.filter((host) => host !== own)] };
}
