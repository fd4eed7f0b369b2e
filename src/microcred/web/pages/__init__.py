"""Server-rendered pages: public credential pages and verification for people."""
