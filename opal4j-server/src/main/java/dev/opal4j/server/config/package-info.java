/**
 * Server configuration bound from the environment with OPAL's variable names and defaults, through
 * the shared {@link dev.opal4j.protocol.config.EnvBinder}; and the start-up check that reports the
 * {@code OPAL_*}/{@code UVICORN_*} variables no setting reads.
 */
package dev.opal4j.server.config;
