#!/usr/bin/env python3
"""Writes the real-traffic payloads the app-layer unit tests read (see README.md).

Each sample is one frame of an IoT Sentinel setup capture, cut down to the bytes the parser
gets (UDP/TCP payload). Reuses the pcap walker of scripts/make_seed_corpus.py.
"""
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import make_seed_corpus as m  # noqa: E402

# file name -> (device, capture, 1-based frame number)
SAMPLES = {
    "aria-dhcp-discover.bin": ("Aria", "Setup-A-1-STA.pcap", 3),
    "dlinkcam-dhcp-discover.bin": ("D-LinkCam", "Setup-A-1-STA.pcap", 17),
    "huebridge-mdns-response.bin": ("HueBridge", "Setup-A-1-STA.pcap", 120),
    "dlinkcam-mdns-response.bin": ("D-LinkCam", "Setup-A-1-STA.pcap", 7),
    "wemo-ssdp-notify.bin": ("WeMoSwitch", "Setup-A-1-STA.pcap", 16),
    "withings-http-post.bin": ("Withings", "Setup-A-1-STA.pcap", 17),
    "wemo-tls-client-hello.bin": ("WeMoSwitch", "Setup-A-1-STA.pcap", 39),
    "dlinkswitch-tls-client-hello.bin": ("D-LinkSwitch", "Setup-A-1-STA.pcap", 542),
}


def main():
    for name, (dev, cap, frame_no) in sorted(SAMPLES.items()):
        frames = list(m.read_pcap(os.path.join(m.DEFAULT_PCAPS, dev, cap)))
        hit = m.classify(frames[frame_no - 1][1])
        if hit is None:
            sys.exit("%s: frame %d is not an app-layer payload" % (name, frame_no))
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(hit[1])
        print("%-34s %4d bytes  sha1 %s" % (name, len(hit[1]), hashlib.sha1(hit[1]).hexdigest()))


if __name__ == "__main__":
    main()
