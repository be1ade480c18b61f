/* The baseline for `make bench`: a bare libpcap read loop that only counts packets and
 * bytes. Whatever sekisho does per packet is measured against this. */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: pcap_count FILE\n");
    return 2;
  }
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(argv[1], err);
  if (!p) {
    fprintf(stderr, "pcap_count: %s\n", err);
    return 3;
  }
  struct pcap_pkthdr* h;
  const u_char* data;
  unsigned long long packets = 0, bytes = 0;
  int rc;
  while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
    packets++;
    bytes += h->caplen;
  }
  pcap_close(p);
  printf("%llu packets %llu bytes\n", packets, bytes);
  return rc == PCAP_ERROR ? 3 : 0;
}
