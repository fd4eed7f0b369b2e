# ruff: noqa: E501 - the W3C test data below is kept verbatim, one N-Quads line per string
"""RDFC-1.0 (crypto/rdfc.py): W3C test cases, escaping, parsing, poison limits, pyoxigraph.

The W3C cases below are copied from the RDF Dataset Canonicalization test suite
(https://github.com/w3c/rdf-canon, tests/rdfc10, W3C Test Suite / 3-clause BSD licence).
The third-implementation check runs pyoxigraph's Rust RDFC-1.0 on the same datasets.
"""

from __future__ import annotations

import random
import time

import pyoxigraph as ox
import pytest

from microcred.crypto import rdfc
from microcred.crypto.rdfc import IRI, BlankNode, Literal, Quad
from microcred.errors import InvalidInput, PayloadTooLarge

W3C_CASES: dict[str, tuple[str, str]] = {
    # blank node - double circle of 2
    "test022": (
        (
            "_:e0 <http://example.org/vocab#next> _:e1 .\n"
            "_:e0 <http://example.org/vocab#prev> _:e1 .\n"
            "_:e1 <http://example.org/vocab#next> _:e0 .\n"
            "_:e1 <http://example.org/vocab#prev> _:e0 .\n"
        ),
        (
            "_:c14n0 <http://example.org/vocab#next> _:c14n1 .\n"
            "_:c14n0 <http://example.org/vocab#prev> _:c14n1 .\n"
            "_:c14n1 <http://example.org/vocab#next> _:c14n0 .\n"
            "_:c14n1 <http://example.org/vocab#prev> _:c14n0 .\n"
        ),
    ),
    # poison – evil (1)
    "test044": (
        (
            "_:e0 <http://example.org/vocab#p> _:e1 .\n"
            "_:e0 <http://example.org/vocab#p> _:e2 .\n"
            "_:e0 <http://example.org/vocab#p> _:e3 .\n"
            "_:e1 <http://example.org/vocab#p> _:e0 .\n"
            "_:e1 <http://example.org/vocab#p> _:e3 .\n"
            "_:e1 <http://example.org/vocab#p> _:e4 .\n"
            "_:e2 <http://example.org/vocab#p> _:e0 .\n"
            "_:e2 <http://example.org/vocab#p> _:e4 .\n"
            "_:e2 <http://example.org/vocab#p> _:e5 .\n"
            "_:e3 <http://example.org/vocab#p> _:e0 .\n"
            "_:e3 <http://example.org/vocab#p> _:e1 .\n"
            "_:e3 <http://example.org/vocab#p> _:e5 .\n"
            "_:e4 <http://example.org/vocab#p> _:e1 .\n"
            "_:e4 <http://example.org/vocab#p> _:e2 .\n"
            "_:e4 <http://example.org/vocab#p> _:e5 .\n"
            "_:e5 <http://example.org/vocab#p> _:e3 .\n"
            "_:e5 <http://example.org/vocab#p> _:e2 .\n"
            "_:e5 <http://example.org/vocab#p> _:e4 .\n"
            "_:e6 <http://example.org/vocab#p> _:e7 .\n"
            "_:e6 <http://example.org/vocab#p> _:e8 .\n"
            "_:e6 <http://example.org/vocab#p> _:e9 .\n"
            "_:e7 <http://example.org/vocab#p> _:e6 .\n"
            "_:e7 <http://example.org/vocab#p> _:e10 .\n"
            "_:e7 <http://example.org/vocab#p> _:e11 .\n"
            "_:e8 <http://example.org/vocab#p> _:e6 .\n"
            "_:e8 <http://example.org/vocab#p> _:e10 .\n"
            "_:e8 <http://example.org/vocab#p> _:e11 .\n"
            "_:e9 <http://example.org/vocab#p> _:e6 .\n"
            "_:e9 <http://example.org/vocab#p> _:e10 .\n"
            "_:e9 <http://example.org/vocab#p> _:e11 .\n"
            "_:e10 <http://example.org/vocab#p> _:e7 .\n"
            "_:e10 <http://example.org/vocab#p> _:e8 .\n"
            "_:e10 <http://example.org/vocab#p> _:e9 .\n"
            "_:e11 <http://example.org/vocab#p> _:e7 .\n"
            "_:e11 <http://example.org/vocab#p> _:e8 .\n"
            "_:e11 <http://example.org/vocab#p> _:e9 .\n"
        ),
        (
            "_:c14n0 <http://example.org/vocab#p> _:c14n1 .\n"
            "_:c14n0 <http://example.org/vocab#p> _:c14n2 .\n"
            "_:c14n0 <http://example.org/vocab#p> _:c14n3 .\n"
            "_:c14n1 <http://example.org/vocab#p> _:c14n0 .\n"
            "_:c14n1 <http://example.org/vocab#p> _:c14n4 .\n"
            "_:c14n1 <http://example.org/vocab#p> _:c14n5 .\n"
            "_:c14n10 <http://example.org/vocab#p> _:c14n7 .\n"
            "_:c14n10 <http://example.org/vocab#p> _:c14n8 .\n"
            "_:c14n10 <http://example.org/vocab#p> _:c14n9 .\n"
            "_:c14n11 <http://example.org/vocab#p> _:c14n7 .\n"
            "_:c14n11 <http://example.org/vocab#p> _:c14n8 .\n"
            "_:c14n11 <http://example.org/vocab#p> _:c14n9 .\n"
            "_:c14n2 <http://example.org/vocab#p> _:c14n0 .\n"
            "_:c14n2 <http://example.org/vocab#p> _:c14n3 .\n"
            "_:c14n2 <http://example.org/vocab#p> _:c14n5 .\n"
            "_:c14n3 <http://example.org/vocab#p> _:c14n0 .\n"
            "_:c14n3 <http://example.org/vocab#p> _:c14n2 .\n"
            "_:c14n3 <http://example.org/vocab#p> _:c14n4 .\n"
            "_:c14n4 <http://example.org/vocab#p> _:c14n1 .\n"
            "_:c14n4 <http://example.org/vocab#p> _:c14n3 .\n"
            "_:c14n4 <http://example.org/vocab#p> _:c14n5 .\n"
            "_:c14n5 <http://example.org/vocab#p> _:c14n1 .\n"
            "_:c14n5 <http://example.org/vocab#p> _:c14n2 .\n"
            "_:c14n5 <http://example.org/vocab#p> _:c14n4 .\n"
            "_:c14n6 <http://example.org/vocab#p> _:c14n7 .\n"
            "_:c14n6 <http://example.org/vocab#p> _:c14n8 .\n"
            "_:c14n6 <http://example.org/vocab#p> _:c14n9 .\n"
            "_:c14n7 <http://example.org/vocab#p> _:c14n10 .\n"
            "_:c14n7 <http://example.org/vocab#p> _:c14n11 .\n"
            "_:c14n7 <http://example.org/vocab#p> _:c14n6 .\n"
            "_:c14n8 <http://example.org/vocab#p> _:c14n10 .\n"
            "_:c14n8 <http://example.org/vocab#p> _:c14n11 .\n"
            "_:c14n8 <http://example.org/vocab#p> _:c14n6 .\n"
            "_:c14n9 <http://example.org/vocab#p> _:c14n10 .\n"
            "_:c14n9 <http://example.org/vocab#p> _:c14n11 .\n"
            "_:c14n9 <http://example.org/vocab#p> _:c14n6 .\n"
        ),
    ),
    # @list
    "test053": (
        (
            '_:e1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "1" .\n'
            "_:e1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> _:e2 .\n"
            '_:e2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "2" .\n'
            "_:e2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> _:e3 .\n"
            '_:e3 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "3" .\n'
            "_:e3 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .\n"
            "_:e0 <http://example.org/test#property1> _:e1 .\n"
            '_:e4 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "4" .\n'
            "_:e4 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> _:e5 .\n"
            '_:e5 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "5" .\n'
            "_:e5 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> _:e6 .\n"
            '_:e6 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "6" .\n'
            "_:e6 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .\n"
            "_:e0 <http://example.org/test#property2> _:e4 .\n"
        ),
        (
            '_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "3" .\n'
            "_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .\n"
            '_:c14n1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "6" .\n'
            "_:c14n1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .\n"
            '_:c14n2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "1" .\n'
            "_:c14n2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> _:c14n5 .\n"
            "_:c14n3 <http://example.org/test#property1> _:c14n2 .\n"
            "_:c14n3 <http://example.org/test#property2> _:c14n6 .\n"
            '_:c14n4 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "5" .\n'
            "_:c14n4 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> _:c14n1 .\n"
            '_:c14n5 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "2" .\n'
            "_:c14n5 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> _:c14n0 .\n"
            '_:c14n6 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "4" .\n'
            "_:c14n6 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> _:c14n4 .\n"
        ),
    ),
    # n-quads escaping
    "test060": (
        (
            "<urn:ex:s:000:s\\u20701> <urn:ex:000:p\\u2070> <urn:ex:000:o\\u2070> <urn:ex:000:g\\u2070> .\n"
            "<urn:ex:s:000:s\u20702> <urn:ex:000:p\u2070> <urn:ex:000:o\u2070> <urn:ex:000:g\u2070> .\n"
            '<urn:ex:s:001> <urn:ex:000:empty> "" .\n'
            '<urn:ex:s:001> <urn:ex:001:simple> "simple" .\n'
            '<urn:ex:s:001> <urn:ex:002:quote> "\\"" .\n'
            '<urn:ex:s:001> <urn:ex:003:backslash> "\\\\" .\n'
            '<urn:ex:s:001> <urn:ex:004:nl> "\\n" .\n'
            '<urn:ex:s:001> <urn:ex:005:cr> "\\r" .\n'
            '<urn:ex:s:001> <urn:ex:006:all> "\\"\\\\\\n\\r" .\n'
            '<urn:ex:s:001> <urn:ex:007:uchar> "\\u0022\\u005c" .\n'
            '<urn:ex:s:001> <urn:ex:008:echar> "\\t\\b\\n\\r\\f\\"\\\'\\\\" .\n'
            '<urn:ex:s:001> <urn:ex:009> "\\\\u0039" .\n'
            '<urn:ex:s:001> <urn:ex:010> "\\\\n" .\n'
            '<urn:ex:s:001> <urn:ex:011> "\\\\\\\\" .\n'
            '<urn:ex:s:001> <urn:ex:012> "\\"\\"" .\n'
            '<urn:ex:s:001> <urn:ex:013> "\\\\\\\\\\\\" .\n'
            '<urn:ex:s:001> <urn:ex:014> "\\"\\"\\"" .\n'
            '<urn:ex:s:001> <urn:ex:015> "\\u221e" .\n'
            '<urn:ex:s:001> <urn:ex:016> "\u221e" .\n'
            "<urn:ex:s:001> <urn:ex:017> <urn:ex:\\u0065\\u0078> .\n"
            "<urn:ex:s:001> <urn:ex:018> <urn:ex:\\u221e> .\n"
            "<urn:ex:s:001> <urn:ex:019> <urn:ex:\\u002b> .\n"
            "<urn:ex:s:003> <urn:ex:020> <urn:ex:\\u00a0> .\n"
            '<urn:ex:s:003> <urn:ex:021> "\\uf600"^^<urn:ex:\\u1f43> .\n'
            '<urn:ex:s:003> <urn:ex:022> "d"^^<urn:ex:\\u0064\\u0074> .\n'
            '<urn:ex:s:003> <urn:ex:023> "d"^^<urn:ex:\\u0064> .\n'
            '<urn:ex:s:004> <urn:ex:024> "\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\u0008\\u0009\\u000a\\u000b\\u000c\\u000d\\u000e\\u000f" .\n'
            '<urn:ex:s:004> <urn:ex:025> "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f" .\n'
            '<urn:ex:s:004> <urn:ex:026> "\\u0020\\u0021\\u0022\\u0023\\u0024\\u0025\\u0026\\u0027\\u0028\\u0029\\u002a\\u002b\\u002c\\u002d\\u002e\\u002f" .\n'
            '<urn:ex:s:004> <urn:ex:027> "\\u0030\\u0031\\u0032\\u0033\\u0034\\u0035\\u0036\\u0037\\u0038\\u0039\\u003a\\u003b\\u003c\\u003d\\u003e\\u003f" .\n'
            '<urn:ex:s:004> <urn:ex:028> "\\u0040\\u0041\\u0042\\u0043\\u0044\\u0045\\u0046\\u0047\\u0048\\u0049\\u004a\\u004b\\u004c\\u004d\\u004e\\u004f" .\n'
            '<urn:ex:s:004> <urn:ex:029> "\\u0050\\u0051\\u0052\\u0053\\u0054\\u0055\\u0056\\u0057\\u0058\\u0059\\u005a\\u005b\\u005c\\u005d\\u005e\\u005f" .\n'
            '<urn:ex:s:004> <urn:ex:030> "\\u0060\\u0061\\u0062\\u0063\\u0064\\u0065\\u0066\\u0067\\u0068\\u0069\\u006a\\u006b\\u006c\\u006d\\u006e\\u006f" .\n'
            '<urn:ex:s:004> <urn:ex:031> "\\u0070\\u0071\\u0072\\u0073\\u0074\\u0075\\u0076\\u0077\\u0078\\u0079\\u007a\\u007b\\u007c\\u007d\\u007e\\u007f" .\n'
            '<urn:ex:s:004> <urn:ex:032> "\\u0080\\u0081\\u0082\\u0083\\u0084\\u0085\\u0086\\u0087\\u0088\\u0089\\u008a\\u008b\\u008c\\u008d\\u008e\\u008f" .\n'
            '<urn:ex:s:004> <urn:ex:033> "\\U0001F303" .\n'
            '<urn:ex:s:004> <urn:ex:034> "\U0001f303" .\n'
            "<urn:ex:s:005> <urn:ex:035> <urn:ex:\\U0001F303> .\n"
            '<urn:ex:s:006> <urn:ex:036> "o" <urn:ex:\\u221e> .\n'
            '<urn:ex:s:006> <urn:ex:037> "o" <urn:ex:\u221e> .\n'
            '<urn:ex:s:006> <urn:ex:038> "o" <urn:ex:\\u221e> .\n'
            '<urn:ex:s:006> <urn:ex:039> "\\u0009\\u0020<>\\"{}|^`\\\\" .\n'
            '<urn:ex:s:007> <urn:ex:040> "\\U00000000\\U00000001\\U00000002\\U00000003\\U00000004\\U00000005\\U00000006\\U00000007\\U00000008\\U00000009\\U0000000a\\U0000000b\\U0000000c\\U0000000d\\U0000000e\\U0000000f" .\n'
        ),
        (
            "<urn:ex:s:000:s\u20701> <urn:ex:000:p\u2070> <urn:ex:000:o\u2070> <urn:ex:000:g\u2070> .\n"
            "<urn:ex:s:000:s\u20702> <urn:ex:000:p\u2070> <urn:ex:000:o\u2070> <urn:ex:000:g\u2070> .\n"
            '<urn:ex:s:001> <urn:ex:000:empty> "" .\n'
            '<urn:ex:s:001> <urn:ex:001:simple> "simple" .\n'
            '<urn:ex:s:001> <urn:ex:002:quote> "\\"" .\n'
            '<urn:ex:s:001> <urn:ex:003:backslash> "\\\\" .\n'
            '<urn:ex:s:001> <urn:ex:004:nl> "\\n" .\n'
            '<urn:ex:s:001> <urn:ex:005:cr> "\\r" .\n'
            '<urn:ex:s:001> <urn:ex:006:all> "\\"\\\\\\n\\r" .\n'
            '<urn:ex:s:001> <urn:ex:007:uchar> "\\"\\\\" .\n'
            '<urn:ex:s:001> <urn:ex:008:echar> "\\t\\b\\n\\r\\f\\"\'\\\\" .\n'
            '<urn:ex:s:001> <urn:ex:009> "\\\\u0039" .\n'
            '<urn:ex:s:001> <urn:ex:010> "\\\\n" .\n'
            '<urn:ex:s:001> <urn:ex:011> "\\\\\\\\" .\n'
            '<urn:ex:s:001> <urn:ex:012> "\\"\\"" .\n'
            '<urn:ex:s:001> <urn:ex:013> "\\\\\\\\\\\\" .\n'
            '<urn:ex:s:001> <urn:ex:014> "\\"\\"\\"" .\n'
            '<urn:ex:s:001> <urn:ex:015> "\u221e" .\n'
            '<urn:ex:s:001> <urn:ex:016> "\u221e" .\n'
            "<urn:ex:s:001> <urn:ex:017> <urn:ex:ex> .\n"
            "<urn:ex:s:001> <urn:ex:018> <urn:ex:\u221e> .\n"
            "<urn:ex:s:001> <urn:ex:019> <urn:ex:+> .\n"
            "<urn:ex:s:003> <urn:ex:020> <urn:ex:\xa0> .\n"
            '<urn:ex:s:003> <urn:ex:021> "\uf600"^^<urn:ex:\u1f43> .\n'
            '<urn:ex:s:003> <urn:ex:022> "d"^^<urn:ex:dt> .\n'
            '<urn:ex:s:003> <urn:ex:023> "d"^^<urn:ex:d> .\n'
            '<urn:ex:s:004> <urn:ex:024> "\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000B\\f\\r\\u000E\\u000F" .\n'
            '<urn:ex:s:004> <urn:ex:025> "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001A\\u001B\\u001C\\u001D\\u001E\\u001F" .\n'
            '<urn:ex:s:004> <urn:ex:026> " !\\"#$%&\'()*+,-./" .\n'
            '<urn:ex:s:004> <urn:ex:027> "0123456789:;<=>?" .\n'
            '<urn:ex:s:004> <urn:ex:028> "@ABCDEFGHIJKLMNO" .\n'
            '<urn:ex:s:004> <urn:ex:029> "PQRSTUVWXYZ[\\\\]^_" .\n'
            '<urn:ex:s:004> <urn:ex:030> "`abcdefghijklmno" .\n'
            '<urn:ex:s:004> <urn:ex:031> "pqrstuvwxyz{|}~\\u007F" .\n'
            '<urn:ex:s:004> <urn:ex:032> "\x80\x81\x82\x83\x84\x85'
            '\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f" .\n'
            '<urn:ex:s:004> <urn:ex:033> "\U0001f303" .\n'
            '<urn:ex:s:004> <urn:ex:034> "\U0001f303" .\n'
            "<urn:ex:s:005> <urn:ex:035> <urn:ex:\U0001f303> .\n"
            '<urn:ex:s:006> <urn:ex:036> "o" <urn:ex:\u221e> .\n'
            '<urn:ex:s:006> <urn:ex:037> "o" <urn:ex:\u221e> .\n'
            '<urn:ex:s:006> <urn:ex:038> "o" <urn:ex:\u221e> .\n'
            '<urn:ex:s:006> <urn:ex:039> "\\t <>\\"{}|^`\\\\" .\n'
            '<urn:ex:s:007> <urn:ex:040> "\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000B\\f\\r\\u000E\\u000F" .\n'
        ),
    ),
    # dataset - isomorphic default and iri named
    "test070": (
        (
            "<http://example.org/test> <http://example.org/vocab#A> _:e0 .\n"
            "<http://example.org/test> <http://example.org/vocab#B> _:e0 .\n"
            "<http://example.org/test> <http://example.org/vocab#embed> _:e0 .\n"
            "<http://example.org/test> <http://example.org/vocab#A> _:e1 <http://example.org/g1> .\n"
            "<http://example.org/test> <http://example.org/vocab#B> _:e1 <http://example.org/g1> .\n"
            "<http://example.org/test> <http://example.org/vocab#embed> _:e1 <http://example.org/g1> .\n"
        ),
        (
            "<http://example.org/test> <http://example.org/vocab#A> _:c14n0 .\n"
            "<http://example.org/test> <http://example.org/vocab#A> _:c14n1 <http://example.org/g1> .\n"
            "<http://example.org/test> <http://example.org/vocab#B> _:c14n0 .\n"
            "<http://example.org/test> <http://example.org/vocab#B> _:c14n1 <http://example.org/g1> .\n"
            "<http://example.org/test> <http://example.org/vocab#embed> _:c14n0 .\n"
            "<http://example.org/test> <http://example.org/vocab#embed> _:c14n1 <http://example.org/g1> .\n"
        ),
    ),
    # dataset - isomorphic default and node named
    "test071": (
        (
            "<http://example.org/test> <http://example.org/vocab#A> _:e0 .\n"
            "<http://example.org/test> <http://example.org/vocab#B> _:e0 .\n"
            "<http://example.org/test> <http://example.org/vocab#embed> _:e0 .\n"
            "<http://example.org/test> <http://example.org/vocab#A> _:e1 _:g1 .\n"
            "<http://example.org/test> <http://example.org/vocab#B> _:e1 _:g1 .\n"
            "<http://example.org/test> <http://example.org/vocab#embed> _:e1 _:g1 .\n"
        ),
        (
            "<http://example.org/test> <http://example.org/vocab#A> _:c14n0 .\n"
            "<http://example.org/test> <http://example.org/vocab#A> _:c14n2 _:c14n1 .\n"
            "<http://example.org/test> <http://example.org/vocab#B> _:c14n0 .\n"
            "<http://example.org/test> <http://example.org/vocab#B> _:c14n2 _:c14n1 .\n"
            "<http://example.org/test> <http://example.org/vocab#embed> _:c14n0 .\n"
            "<http://example.org/test> <http://example.org/vocab#embed> _:c14n2 _:c14n1 .\n"
        ),
    ),
    # dataset - shared blank nodes
    "test072": (
        (
            "<http://example.org/test> <http://example.org/vocab#A> _:e0 .\n"
            "<http://example.org/test> <http://example.org/vocab#B> _:e0 .\n"
            "<http://example.org/test> <http://example.org/vocab#embed> _:e0 .\n"
            "<http://example.org/test> <http://example.org/vocab#A> _:e0 <http://example.org/g1> .\n"
            "<http://example.org/test> <http://example.org/vocab#B> _:e0 <http://example.org/g1> .\n"
            "<http://example.org/test> <http://example.org/vocab#embed> _:e0 <http://example.org/g1> .\n"
        ),
        (
            "<http://example.org/test> <http://example.org/vocab#A> _:c14n0 .\n"
            "<http://example.org/test> <http://example.org/vocab#A> _:c14n0 <http://example.org/g1> .\n"
            "<http://example.org/test> <http://example.org/vocab#B> _:c14n0 .\n"
            "<http://example.org/test> <http://example.org/vocab#B> _:c14n0 <http://example.org/g1> .\n"
            "<http://example.org/test> <http://example.org/vocab#embed> _:c14n0 .\n"
            "<http://example.org/test> <http://example.org/vocab#embed> _:c14n0 <http://example.org/g1> .\n"
        ),
    ),
    # dataset - referencing graph name
    "test073": (
        (
            "<http://example.org/test> <http://example.org/vocab#A> _:e0 .\n"
            "<http://example.org/test> <http://example.org/vocab#B> _:e0 .\n"
            "<http://example.org/test> <http://example.org/vocab#embed> _:e0 .\n"
            "<http://example.org/test> <http://example.org/vocab#graph> _:g1 .\n"
            "<http://example.org/test> <http://example.org/vocab#A> _:e0  _:g1 .\n"
            "<http://example.org/test> <http://example.org/vocab#B> _:e0 _:g1 .\n"
            "<http://example.org/test> <http://example.org/vocab#embed> _:e0 _:g1 .\n"
        ),
        (
            "<http://example.org/test> <http://example.org/vocab#A> _:c14n1 .\n"
            "<http://example.org/test> <http://example.org/vocab#A> _:c14n1 _:c14n0 .\n"
            "<http://example.org/test> <http://example.org/vocab#B> _:c14n1 .\n"
            "<http://example.org/test> <http://example.org/vocab#B> _:c14n1 _:c14n0 .\n"
            "<http://example.org/test> <http://example.org/vocab#embed> _:c14n1 .\n"
            "<http://example.org/test> <http://example.org/vocab#embed> _:c14n1 _:c14n0 .\n"
            "<http://example.org/test> <http://example.org/vocab#graph> _:c14n0 .\n"
        ),
    ),
    # duplicate ground triple in input
    "test076": (
        (
            "<https://www.example.org/s> <https://www.example.org/p> <https://www.example.org/o> .\n"
            "<https://www.example.org/s> <https://www.example.org/p> <https://www.example.org/o> .\n"
        ),
        ("<https://www.example.org/s> <https://www.example.org/p> <https://www.example.org/o> .\n"),
    ),
    # duplicate triple with blank node in input
    "test077": (
        (
            "<https://www.example.org/s> <https://www.example.org/p> _:o .\n"
            "<https://www.example.org/s> <https://www.example.org/p> _:o .\n"
        ),
        ("<https://www.example.org/s> <https://www.example.org/p> _:c14n0 .\n"),
    ),
}

EX = "http://example.org/vocab#"


@pytest.mark.parametrize("name", sorted(W3C_CASES))
def test_w3c_rdfc10_case(name: str) -> None:
    given, expected = W3C_CASES[name]
    assert rdfc.canonicalize(rdfc.parse_nquads(given)) == expected


def _clique(size: int) -> list[Quad]:
    """W3C test074 'poison - Clique Graph': every blank node linked to every other."""
    p = IRI("http:/example.com/p")
    return [
        Quad(BlankNode(f"e{a}"), p, BlankNode(f"e{b}")) for a in range(size) for b in range(size)
    ]


def test_poison_clique_is_refused_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match="too costly to canonicalise") as caught:
        rdfc.canonicalize(_clique(10))
    assert "poison" in caught.value.explain()
    assert time.perf_counter() - started < 5


def test_work_budget_is_configurable() -> None:
    double_circle = rdfc.parse_nquads(W3C_CASES["test022"][0])
    assert rdfc.canonicalize(double_circle) == W3C_CASES["test022"][1]
    with pytest.raises(InvalidInput):
        rdfc.canonicalize(double_circle, max_calls_per_node=0)
    with pytest.raises(InvalidInput):
        rdfc.canonicalize(rdfc.parse_nquads(W3C_CASES["test044"][0]), max_permutations=10)


def test_quad_limit() -> None:
    quads = [Quad(IRI(f"urn:s:{i}"), IRI("urn:p"), Literal(str(i))) for i in range(11)]
    assert rdfc.canonicalize(quads, max_quads=11)
    with pytest.raises(PayloadTooLarge):
        rdfc.canonicalize(quads, max_quads=10)


def test_duplicates_count_once_and_order_does_not_matter() -> None:
    quads = rdfc.parse_nquads(W3C_CASES["test044"][0])
    shuffled = list(quads) + list(quads[:5])
    random.Random(7).shuffle(shuffled)
    assert rdfc.canonicalize(shuffled) == W3C_CASES["test044"][1]


def test_relabelling_input_blank_nodes_changes_nothing() -> None:
    quads = rdfc.parse_nquads(W3C_CASES["test072"][0])

    def rename(term: rdfc.Term) -> rdfc.Term:
        return BlankNode("zz" + term.id[::-1]) if isinstance(term, BlankNode) else term

    renamed = [
        Quad(
            rename(q.subject),  # type: ignore[arg-type]
            q.predicate,
            rename(q.object),
            None if q.graph is None else rename(q.graph),  # type: ignore[arg-type]
        )
        for q in quads
    ]
    assert rdfc.canonicalize(renamed) == rdfc.canonicalize(quads)


def test_a_changed_literal_changes_the_output() -> None:
    quads = rdfc.parse_nquads(W3C_CASES["test053"][0])
    changed = [
        Quad(q.subject, q.predicate, Literal(q.object.lexical + "!", q.object.datatype), q.graph)
        if isinstance(q.object, Literal)
        else q
        for q in quads
    ]
    assert rdfc.canonicalize(changed) != rdfc.canonicalize(quads)


def test_canonical_labels_map() -> None:
    labels = rdfc.canonical_labels(
        rdfc.encode_quad(q) for q in rdfc.parse_nquads(W3C_CASES["test073"][0])
    )
    assert sorted(labels.values()) == ["_:c14n0", "_:c14n1"]
    assert set(labels) == {"_:e0", "_:g1"}


# ------------------------------------------------------------ canonical N-Quads form


@pytest.mark.parametrize(
    ("lexical", "written"),
    [
        ("plain", "plain"),
        ('"', '\\"'),
        ("\\", "\\\\"),
        ("\n\r", "\\n\\r"),
        ("\b\t\f", "\\b\\t\\f"),
        ("\x00\x01\x07\x0b\x0e\x1f\x7f", "\\u0000\\u0001\\u0007\\u000B\\u000E\\u001F\\u007F"),
        ("\ufffe\uffff", "\\uFFFE\\uFFFF"),
        ("\ud800", "\\uD800"),
        ("é ∞ \U0001f303 \u0085 \u2028", "é ∞ \U0001f303 \u0085 \u2028"),
    ],
)
def test_literal_escaping_follows_rdfc10_appendix_a(lexical: str, written: str) -> None:
    assert rdfc.escape_literal(lexical) == written


def test_term_encoding() -> None:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert rdfc.encode_term(IRI("urn:x")) == "<urn:x>"
    assert rdfc.encode_term(IRI("urn:a b")) == "<urn:a\\u0020b>"
    assert rdfc.encode_term(BlankNode("b0")) == "_:b0"
    assert rdfc.encode_term(Literal("a")) == '"a"'
    assert rdfc.encode_term(Literal("a", xsd + "string")) == '"a"'
    assert rdfc.encode_term(Literal("1", xsd + "integer")) == f'"1"^^<{xsd}integer>'
    assert rdfc.encode_term(Literal("a", rdfc.RDF_LANG_STRING, "en-us")) == '"a"@en-us'
    quad = Quad(BlankNode("s"), IRI("urn:p"), Literal("o"), IRI("urn:g"))
    assert rdfc.serialize_quad(quad) == '_:s <urn:p> "o" <urn:g> .\n'


def test_parse_round_trip_and_comments() -> None:
    text = (
        "# a comment\n"
        '<urn:s> <urn:p> "x\\u0041\\U0001F303\\t"^^<urn:dt> <urn:g> . # trailing\n'
        "\n"
        '_:b1 <urn:p> "hi"@en-GB .\r\n'
        "_:b1 <urn:p> _:b2 _:g .\n"
    )
    quads = rdfc.parse_nquads(text)
    assert quads[0] == Quad(
        IRI("urn:s"), IRI("urn:p"), Literal("xA\U0001f303\t", "urn:dt"), IRI("urn:g")
    )
    assert quads[1].object == Literal("hi", rdfc.RDF_LANG_STRING, "en-GB")
    assert quads[2].graph == BlankNode("g")
    assert rdfc.parse_nquads(rdfc.serialize_nquads(quads)) == quads


@pytest.mark.parametrize(
    "line",
    [
        "<urn:s> <urn:p> <urn:o>",  # no dot
        '<urn:s> "p" <urn:o> .',  # literal predicate
        "<s> <urn:p> <urn:o> .",  # relative IRI
        '<urn:s> <urn:p> "unterminated .',
        "<urn:s> <urn:p> <urn:o> <urn:g> <urn:h> .",
    ],
)
def test_parse_rejects_malformed_lines(line: str) -> None:
    with pytest.raises(InvalidInput):
        rdfc.parse_nquads(line + "\n")


# ------------------------------------------------ third implementation: pyoxigraph


def _oxigraph_canonical(quads: list[Quad]) -> str:
    """pyoxigraph's RDFC-1.0 labelling, written back in canonical N-Quads form."""
    dataset = ox.Dataset(ox.parse(rdfc.serialize_nquads(quads), format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    relabelled = rdfc.parse_nquads(ox.serialize(dataset, format=ox.RdfFormat.N_QUADS).decode())
    return "".join(sorted(rdfc.serialize_quad(q) for q in relabelled))


def _cycle(size: int, prefix: str = "c", graph: BlankNode | None = None) -> list[Quad]:
    return [
        Quad(
            BlankNode(f"{prefix}{i}"),
            IRI(EX + "next"),
            BlankNode(f"{prefix}{(i + 1) % size}"),
            graph,
        )
        for i in range(size)
    ]


def _symmetric_datasets() -> dict[str, list[Quad]]:
    datasets: dict[str, list[Quad]] = {}
    for size in (2, 3, 5, 8):
        datasets[f"cycle-{size}"] = _cycle(size)
        datasets[f"double-cycle-{size}"] = _cycle(size) + [
            Quad(q.object, IRI(EX + "prev"), q.subject)
            for q in _cycle(size)  # type: ignore[arg-type]
        ]
    datasets["two-identical-cycles"] = _cycle(4, "a") + _cycle(4, "b")
    datasets["cycle-in-blank-graph"] = [
        *_cycle(3, "a", BlankNode("g")),
        Quad(IRI("urn:x"), IRI(EX + "graph"), BlankNode("g")),
    ]
    datasets["star-of-identical-leaves"] = [
        Quad(BlankNode("hub"), IRI(EX + "leaf"), BlankNode(f"l{i}")) for i in range(5)
    ] + [Quad(BlankNode(f"l{i}"), IRI(EX + "v"), Literal("same")) for i in range(5)]
    datasets["w3c-poison-evil"] = rdfc.parse_nquads(W3C_CASES["test044"][0])
    datasets["escapes"] = rdfc.parse_nquads(W3C_CASES["test060"][0])
    rng = random.Random(20261128)
    for n in range(25):
        nodes = [BlankNode(f"r{i}") for i in range(rng.randint(2, 7))]
        predicates = [IRI(EX + p) for p in ("p", "q")]
        quads = []
        for _ in range(rng.randint(len(nodes), 3 * len(nodes))):
            obj: rdfc.Term = rng.choice(nodes)
            if rng.random() < 0.2:
                obj = Literal(rng.choice(["x", "y"]))
            graph = rng.choice([None, None, None, IRI("urn:g"), nodes[0]])
            quads.append(Quad(rng.choice(nodes), rng.choice(predicates), obj, graph))
        datasets[f"random-{n}"] = quads
    return datasets


SYMMETRIC = _symmetric_datasets()


@pytest.mark.parametrize("name", sorted(SYMMETRIC))
def test_agrees_with_pyoxigraph(name: str) -> None:
    quads = SYMMETRIC[name]
    assert rdfc.canonicalize(quads) == _oxigraph_canonical(quads)
