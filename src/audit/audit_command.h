#pragma once
// `sekisho audit`: conformance of a device (or an organisation) against requirement catalogs,
// from scan findings, watch events and a declaration, with the evidence behind every verdict.
//
//   sekisho audit --catalog ID [--catalog ID...] [--evidence FILE...] [--declaration FILE]
//                 [--device ADDRESS] [--format json|html|csv|pdf] [--lang ja|en] [-o FILE]
//   sekisho audit --list-catalogs [--lang ja|en]
namespace sekisho::audit {

// argv[0] = "audit". Exit status: 0 report written, 1 --fail-on matched, 2 usage or bad input
// (a catalog, declaration or evidence file), 3 the output could not be written.
int audit_main(int argc, char** argv);

}  // namespace sekisho::audit
