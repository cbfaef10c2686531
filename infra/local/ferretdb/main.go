// Command ferretdb-local runs FerretDB v1 with its PostgreSQL backend on a loopback address: a
// MongoDB-wire server for local development and tests, built from the Go module proxy alone (pure
// Go, no cgo). infra/local/up.sh builds it once into the cache and runs it after starting PostgreSQL.
//
// A plain `go install` of FerretDB's own command builds but panics at start-up (its version file
// is generated at release time and is not in the module); embedding the public ferretdb package avoids it.
// Usage: ferretdb-local -listen 127.0.0.1:27017 -postgresql-url postgres://USER@HOST:PORT/DB
//
//	[-instance DIR] [-log-level warn]
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	postgresURL := flag.String("postgresql-url", "", "PostgreSQL connection URL (required)")
	// Only names the process: infra/local/up.sh passes its data directory, so that its scripts can
	// tell their own server from one started for another checkout.
	flag.String("instance", "", "free-form label of this server (unused)")
	level := flag.String("log-level", "warn", "debug, info, warn or error")
	flag.Parse()

	if *postgresURL == "" {
		log.Fatal("-postgresql-url is required")
	}
	var slogLevel slog.Level
	if err := slogLevel.UnmarshalText([]byte(*level)); err != nil {
		log.Fatalf("bad -log-level: %v", err)
	}

	// Telemetry is off: the embedded package never starts FerretDB's telemetry reporter and marks
	// telemetry as disabled and locked, so nothing is sent anywhere and nothing waits on the network.
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Handler:       "postgresql",
		PostgreSQLURL: *postgresURL,
		Logger:        slog.New(quietDuplicates{slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slogLevel})}),
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Printf("ferretdb listening on %s (postgresql backend)", *listen)
	if err := f.Run(ctx); err != nil {
		log.Fatal(err)
	}
}

// quietDuplicates drops the log records of statements that failed on a unique index. Applications
// insert against unique indexes on purpose (a duplicate key means "already there"), and FerretDB's
// PostgreSQL driver logs every such failure at the error level.
type quietDuplicates struct{ slog.Handler }

func (h quietDuplicates) Handle(ctx context.Context, r slog.Record) error {
	duplicate := false
	r.Attrs(func(a slog.Attr) bool {
		duplicate = a.Key == "err" && strings.Contains(a.Value.String(), "(SQLSTATE 23505)")
		return !duplicate
	})
	if duplicate {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h quietDuplicates) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietDuplicates{h.Handler.WithAttrs(attrs)}
}

func (h quietDuplicates) WithGroup(name string) slog.Handler {
	return quietDuplicates{h.Handler.WithGroup(name)}
}
