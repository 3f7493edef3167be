/** Server configuration bound from the environment with OPAL's variable names and defaults. */
package dev.opal4j.server.config;
