/** OPAL's REST API (opal-protocol.md §3) on a Vert.x Web router, with OPAL's auth rules and response shapes. */
package dev.opal4j.server.rest;
