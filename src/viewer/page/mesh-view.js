// The mesh panel: a GLB (or PLY) in a three.js scene with orbit controls; shading modes vertex colour / normals /
// wireframe; renders on demand (after a camera move, a toggle or a new mesh), not in a loop.
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import { PLYLoader } from 'three/addons/loaders/PLYLoader.js';

const BASE_COLOR = 0xc9d1dc;

export class MeshView {
  /** @param {HTMLElement} container */
  constructor(container) {
    this.container = container;
    this.renderer = new THREE.WebGLRenderer({ antialias: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.outputColorSpace = THREE.SRGBColorSpace;
    container.appendChild(this.renderer.domElement);
    this.scene = new THREE.Scene();
    this.scene.background = new THREE.Color(0x0b0e13);
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x404858, 1.6));
    const key = new THREE.DirectionalLight(0xffffff, 1.8);
    key.position.set(2, 3, 4);
    this.scene.add(key);
    this.camera = new THREE.PerspectiveCamera(40, 1, 0.01, 100);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.addEventListener('change', () => this.render());
    // Once the user has moved the camera, new exports keep their view; until then each one is framed.
    this.userMoved = false;
    this.controls.addEventListener('start', () => (this.userMoved = true));
    this.object = null;
    this.meshes = [];
    this.mode = { colors: true, normals: false, wireframe: false };
    this.home = { position: new THREE.Vector3(0, 0, 3), target: new THREE.Vector3() };
    new ResizeObserver(() => this.resize()).observe(container);
    this.resize();
  }

  resize() {
    const w = this.container.clientWidth || 1;
    const h = this.container.clientHeight || 1;
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.render();
  }

  render() {
    this.renderer.render(this.scene, this.camera);
  }

  /**
   * Loads a mesh file, replacing the shown one; it is framed unless the user has moved the camera since the last
   * framing (then the view is kept, and Reset view frames the new mesh).
   * @param {ArrayBuffer} buf
   * @param {'glb' | 'ply'} format
   * @returns {Promise<{ vertices: number, faces: number, hasColors: boolean }>}
   */
  async load(buf, format) {
    let object;
    if (format === 'ply') {
      const geometry = new PLYLoader().parse(buf);
      object = new THREE.Mesh(geometry);
    } else {
      const gltf = await new GLTFLoader().parseAsync(buf, '');
      object = gltf.scene;
    }
    const meshes = [];
    object.traverse((o) => {
      if (o.isMesh) meshes.push(o);
    });
    let vertices = 0;
    let faces = 0;
    let hasColors = false;
    for (const m of meshes) {
      const g = m.geometry;
      if (!g.attributes.normal) g.computeVertexNormals();
      const n = g.attributes.position.count;
      vertices += n;
      faces += (g.index ? g.index.count : n) / 3;
      m.userData.hasColors = Boolean(g.attributes.color);
      hasColors ||= m.userData.hasColors;
      if (m.material) (Array.isArray(m.material) ? m.material : [m.material]).forEach((mat) => mat.dispose());
    }
    if (this.object) {
      this.scene.remove(this.object);
      this.object.traverse((o) => {
        if (o.isMesh) {
          o.geometry.dispose();
          o.material.dispose();
        }
      });
    }
    this.object = object;
    this.meshes = meshes;
    this.scene.add(object);
    this.applyMode();
    this.frame();
    this.render();
    return { vertices, faces: Math.round(faces), hasColors };
  }

  /** Remembers the view that shows the whole mesh as the reset view, and goes there unless the user moved away. */
  frame() {
    const box = new THREE.Box3().setFromObject(this.object);
    // An empty export (no density above the threshold) has no box: frame the unit sphere.
    const sphere = box.isEmpty() ? new THREE.Sphere(new THREE.Vector3(), 1) : box.getBoundingSphere(new THREE.Sphere());
    const r = sphere.radius > 0 ? sphere.radius : 1;
    const dist = (r / Math.sin(THREE.MathUtils.degToRad(this.camera.fov / 2))) * 0.95;
    this.home.target.copy(sphere.center);
    this.home.position.copy(sphere.center).add(new THREE.Vector3(0.5, 0.75, 1).normalize().multiplyScalar(dist));
    this.camera.near = dist / 100;
    this.camera.far = dist * 100;
    if (!this.userMoved) this.resetView();
  }

  resetView() {
    this.userMoved = false;
    this.camera.position.copy(this.home.position);
    this.controls.target.copy(this.home.target);
    this.camera.updateProjectionMatrix();
    this.controls.update();
    this.render();
  }

  /** @param {{ colors?: boolean, normals?: boolean, wireframe?: boolean }} mode */
  setMode(mode) {
    Object.assign(this.mode, mode);
    this.applyMode();
    this.render();
  }

  applyMode() {
    for (const m of this.meshes) {
      if (m.material) m.material.dispose();
      const wireframe = this.mode.wireframe;
      if (this.mode.normals) {
        m.material = new THREE.MeshNormalMaterial({ wireframe, side: THREE.DoubleSide });
      } else {
        const colors = this.mode.colors && m.userData.hasColors;
        m.material = new THREE.MeshStandardMaterial({
          color: colors ? 0xffffff : BASE_COLOR,
          vertexColors: colors,
          roughness: 0.85,
          metalness: 0,
          wireframe,
          side: THREE.DoubleSide,
        });
      }
    }
  }
}
