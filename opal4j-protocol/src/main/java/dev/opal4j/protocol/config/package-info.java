/**
 * Binding OPAL's environment variables: one {@link dev.opal4j.protocol.config.EnvBinder} that every
 * module's settings read through, so that booleans, numbers and lists parse by the same rules
 * everywhere and the set of known variable names is exactly the set the settings read.
 */
package dev.opal4j.protocol.config;
