#pragma once
// `sekisho vulns import [--products FILE|LIST] -o OUT.json FEED.json...`: NVD CVE JSON 2.0 feeds
//     -> a data/vulns file for the listed products.
// `sekisho vulns check [--data PATH] [--json] PRODUCT_CPE VERSION`: what the offline data says
//     about one product version.
namespace sekisho::scan {

// argv[0] = "vulns". Exit status: 0 done, 2 usage error, 3 runtime error (a file, the data).
int vulns_main(int argc, char** argv);

}  // namespace sekisho::scan
