/**
 * Answers about the whole node rather than the worker the kernel happened to pick: {@code /metrics},
 * {@code /healthcheck} and {@code /ready}. With {@code UVICORN_NUM_WORKERS>1} every worker also listens on a
 * private loopback port, announced in the supervisor's worker directory ({@link
 * dev.opal4j.server.node.WorkerDirectory}), and the worker that gets a public request asks its
 * siblings there ({@link dev.opal4j.server.node.NodeWideReport}). A single worker answers for itself
 * ({@link dev.opal4j.server.node.SingleWorkerReport}).
 */
package dev.opal4j.server.node;
