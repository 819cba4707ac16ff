#ifndef SOLR_VERSION_H
#define SOLR_VERSION_H
#define SOLR_VERSION "0.1.0"
#endif
