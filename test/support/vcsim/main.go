// Command vcsim serves govmomi's vCenter simulator (the VPX model: DC0, cluster DC0_C0, datastore
// LocalDS_0, networks "VM Network" and DC0_DVPG0) over HTTPS on 127.0.0.1 for the vmware driver tests.
//
// It prints one JSON line, {"url": ...}, once listening. Then it reads one command per line on stdin
// and answers each with one line, "ok [value]" or "error <why>":
//
//	cut | restore                        close or reopen the listening port, as a network cut would
//	guest VM hung                        ShutdownGuest of VM succeeds, but the guest never goes down
//	guest VM without-tools               ShutdownGuest of VM fails with ToolsUnavailable
//	task-create VM                       a queued Task on VM (vcsim's own tasks end inside the call)
//	task-progress TASK PERCENT
//	task-state TASK running|success
//	task-state TASK error FAULT MESSAGE  FAULT is a vim25 fault type name, e.g. InvalidPowerState
//
// (vcsim's own ShutdownGuest powers a VM off before it returns.) When stdin closes it stops and
// removes the simulator's datastore folders.
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

func main() {
	username := flag.String("username", "hostgraph", "the only user name Login accepts")
	password := flag.String("password", "secret", "the only password Login accepts")
	flag.Parse()

	model := simulator.VPX()
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	defer model.Remove()
	model.Service.Listen = &url.URL{User: url.UserPassword(*username, *password)}
	model.Service.TLS = new(tls.Config)
	// vcsim's own listener stays unused: the front below is the one tests can cut and restore.
	server := model.Service.NewServer()
	defer server.Close()

	front := &front{address: "127.0.0.1:0", tls: server.TLS, sdk: model.Service.ServeMux, guests: map[string]string{}}
	if err := front.open(); err != nil {
		log.Fatal(err)
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]string{"url": "https://" + front.address + "/sdk"})

	lines := bufio.NewScanner(os.Stdin)
	for lines.Scan() {
		answer, err := front.obey(strings.Fields(lines.Text()))
		if err != nil {
			fmt.Println("error", err)
		} else {
			fmt.Println(strings.TrimSpace("ok " + answer))
		}
	}
	front.cut()
}

type front struct {
	address string
	tls     *tls.Config
	sdk     http.Handler
	server  *http.Server

	mu     sync.Mutex
	guests map[string]string // VM id → "hung" or "without-tools"
}

// open listens (again) on the front's port; it does nothing when already open.
func (f *front) open() error {
	if f.server != nil {
		return nil
	}
	listener, err := net.Listen("tcp", f.address)
	if err != nil {
		return err
	}
	f.address = listener.Addr().String() // the same port again after a cut
	f.server = &http.Server{Handler: f}
	go func() { _ = f.server.Serve(tls.NewListener(listener, f.tls)) }()
	return nil
}

// cut closes the listener and every open connection; it does nothing when already cut.
func (f *front) cut() {
	if f.server != nil {
		_ = f.server.Close()
		f.server = nil
	}
}

func (f *front) obey(words []string) (string, error) {
	if len(words) == 0 {
		return "", fmt.Errorf("empty command")
	}
	switch command, args := words[0], words[1:]; {
	case command == "cut":
		f.cut()
		return "", nil
	case command == "restore":
		return "", f.open()
	case command == "guest" && len(args) == 2 && (args[1] == "hung" || args[1] == "without-tools"):
		f.mu.Lock()
		defer f.mu.Unlock()
		f.guests[args[0]] = args[1]
		return "", nil
	case command == "task-create" && len(args) == 1:
		vm := types.ManagedObjectReference{Type: "VirtualMachine", Value: args[0]}
		return simulator.CreateTask(vm, "hostgraphTest", nil).Self.Value, nil
	case command == "task-progress" && len(args) == 2:
		percent, err := strconv.Atoi(args[1])
		if err != nil {
			return "", err
		}
		return "", updateTask(args[0], types.PropertyChange{Name: "info.progress", Val: int32(percent)})
	case command == "task-state" && len(args) == 2:
		return "", updateTask(args[0], types.PropertyChange{Name: "info.state", Val: types.TaskInfoState(args[1])})
	case command == "task-state" && len(args) >= 4 && args[1] == "error":
		fault, ok := newFault(args[2])
		if !ok {
			return "", fmt.Errorf("%s is not a vim25 fault type", args[2])
		}
		return "", updateTask(args[0],
			types.PropertyChange{Name: "info.error", Val: &types.LocalizedMethodFault{Fault: fault, LocalizedMessage: strings.Join(args[3:], " ")}},
			types.PropertyChange{Name: "info.state", Val: types.TaskInfoStateError})
	}
	return "", fmt.Errorf("unknown command or wrong arguments: %s", strings.Join(words, " "))
}

func newFault(name string) (types.BaseMethodFault, bool) {
	kind, ok := types.TypeFunc()(name)
	if !ok {
		return nil, false
	}
	fault, ok := reflect.New(kind).Interface().(types.BaseMethodFault)
	return fault, ok
}

func updateTask(id string, changes ...types.PropertyChange) error {
	task, ok := simulator.Map.Get(types.ManagedObjectReference{Type: "Task", Value: id}).(*simulator.Task)
	if !ok {
		return fmt.Errorf("no task %s", id)
	}
	simulator.Map.WithLock(task, func() { simulator.Map.Update(task, changes) })
	return nil
}

// ServeHTTP answers ShutdownGuest of a running VM whose guest was changed as vCenter does: a hung
// guest got the request and ignores it; without VMware Tools nobody could take it. The rest goes to vcsim.
func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		switch f.shutdownGuestOf(body) {
		case "hung":
			soapAnswer(w, http.StatusOK, `<ShutdownGuestResponse xmlns="urn:vim25"></ShutdownGuestResponse>`)
			return
		case "without-tools":
			soapAnswer(w, http.StatusInternalServerError, `<soapenv:Fault><faultcode>ServerFaultCode</faultcode>`+
				`<faultstring>Cannot complete operation because VMware Tools is not running in this virtual machine.</faultstring>`+
				`<detail><ToolsUnavailableFault xmlns="urn:vim25" xsi:type="ToolsUnavailable"></ToolsUnavailableFault></detail></soapenv:Fault>`)
			return
		}
	}
	f.sdk.ServeHTTP(w, r)
}

func soapAnswer(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope `+
		`xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`+
		`<soapenv:Body>`+body+`</soapenv:Body></soapenv:Envelope>`)
}

// shutdownGuestOf says how the guest takes a ShutdownGuest request in body; "" for vcsim's own way.
func (f *front) shutdownGuestOf(body []byte) string {
	var envelope struct {
		Body struct {
			ShutdownGuest *struct {
				This string `xml:"_this"`
			}
		}
	}
	if xml.Unmarshal(body, &envelope) != nil || envelope.Body.ShutdownGuest == nil {
		return ""
	}
	ref := types.ManagedObjectReference{Type: "VirtualMachine", Value: envelope.Body.ShutdownGuest.This}
	vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	if !ok || vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
		return ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.guests[ref.Value]
}
