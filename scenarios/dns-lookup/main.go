// The Go twin of main.c: the same lookups and the same output format. Built with
// CGO_ENABLED=0 ("go" variant) it uses Go's own resolver and no libc at all; built with the
// netcgo tag ("go-cgo") the net package hands each lookup to the libc's getaddrinfo.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
)

// errorName maps a Go resolver error to the getaddrinfo code the C program would print.
func errorName(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		switch {
		case dnsErr.IsNotFound:
			return "EAI_NONAME"
		case dnsErr.IsTemporary, dnsErr.IsTimeout:
			return "EAI_AGAIN"
		}
	}
	return "EAI_FAIL"
}

func lookup(name string) {
	addrs, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip", name)
	if err != nil {
		fmt.Printf("%s: error %s (%v)\n", name, errorName(err), err)
		return
	}
	for i := range addrs {
		addrs[i] = addrs[i].Unmap() // Go 1.19 may hand IPv4 back as ::ffff:a.b.c.d
	}
	// IPv4 first (shorter), then by value: the order the C program prints.
	sort.Slice(addrs, func(i, j int) bool { return addrs[i].Less(addrs[j]) })
	suffix := "es"
	if len(addrs) == 1 {
		suffix = ""
	}
	fmt.Printf("%s: %d address%s\n", name, len(addrs), suffix)
	for _, a := range addrs {
		fmt.Printf("  %s\n", a)
	}
}

func main() {
	for _, name := range os.Args[1:] {
		lookup(name)
	}
}
