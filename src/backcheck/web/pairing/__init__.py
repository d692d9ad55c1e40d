"""Network mode: pairing codes, signed device cookies, the paired-device store, the gate that
keeps unpaired devices out, QR codes and LAN address discovery."""
