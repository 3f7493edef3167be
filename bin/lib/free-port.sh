# Sourced by the benchmark scripts: free_port [PORT_TO_AVOID] prints a loopback port nothing
# listens on, below the kernel's ephemeral range (like the test fixtures' FreePorts), so the
# load harness's many outgoing connections never hold it as their source port.
read -r opal4j_ephemeral_start _ </proc/sys/net/ipv4/ip_local_port_range
free_port() {
  local port
  while :; do
    port=$((10000 + RANDOM % (opal4j_ephemeral_start - 10000)))
    [ "$port" != "${1:-}" ] && ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { echo "$port"; return; }
  done
}
